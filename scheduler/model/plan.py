"""A plan: ordered moves, the zone utilization before and after, a proven bound and why it stops.

``Plan.to_json`` writes the plan document of docs/contracts.md and ``Plan.from_json`` reads it back
(the journal stores plans this way): the two live side by side so they cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from scheduler.model.imbalance import imbalance, zone_utilization
from scheduler.model.inventory import Inventory
from scheduler.model.move import Move

PLAN_VERSION = 1
"""The ``version`` of the plan document this code writes (docs/contracts.md)."""

BASES = ("requests", "usage")
"""What a plan balances: the workloads' requests (the default) or their measured usage."""


class PlanStatus(Enum):
    """What a plan is: moves to make, nothing worth doing, or a planner's output that was refused."""

    PLANNED = "planned"
    """The plan has moves (or a drain moved what had to move)."""
    NOTHING = "nothing"
    """No safe move lowers the imbalance; ``reason`` says why."""
    REFUSED = "refused"
    """The planner's moves failed the final safety check and were dropped (a planner defect)."""


@dataclass(frozen=True)
class Snapshot:
    """Imbalance and per-zone utilization (zone -> resource -> fraction) of one state."""

    imbalance: float
    zones: dict[str, dict[str, float]]

    @classmethod
    def of(cls, inv: Inventory) -> Snapshot:
        """Measure ``inv``."""
        utilization = zone_utilization(inv)
        return cls(imbalance(utilization), utilization)

    def to_json(self) -> dict[str, Any]:
        return {
            "imbalance": round(self.imbalance, 6),
            "zones": {z: {r: round(v, 6) for r, v in row.items()} for z, row in self.zones.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        """The snapshot :meth:`to_json` wrote."""
        zones = {str(z): {str(r): float(v) for r, v in row.items()} for z, row in data["zones"].items()}
        return cls(float(data["imbalance"]), zones)


@dataclass(frozen=True)
class Plan:
    """Moves to apply in order, one at a time; every intermediate state satisfies the safety rules.

    ``lower_bound`` is a proven lower bound on the imbalance any plan within the same limits could
    reach; ``reason`` says why the plan is empty or stops where it does. ``method`` names the planner
    ("heuristic", "exact", ...) and ``optimal`` is True when the plan's imbalance is proven optimal.
    ``basis`` says what the utilization in ``before``/``after`` measures: ``requests`` over capacity,
    or ``usage`` (measured) over physical capacity; the safety rules hold on requests either way.
    """

    moves: tuple[Move, ...]
    before: Snapshot
    after: Snapshot
    lower_bound: float | None = None
    reason: str | None = None
    method: str = "heuristic"
    optimal: bool = False
    seconds: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict)
    status: PlanStatus | None = None
    basis: str = "requests"

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise ValueError(f"plan basis must be one of {BASES}, got {self.basis!r}")
        if self.status is None:
            status = PlanStatus.PLANNED if self.moves else PlanStatus.NOTHING
            object.__setattr__(self, "status", status)

    @property
    def refused(self) -> bool:
        """True when the planner's moves failed the final safety check and were dropped (a defect)."""
        return self.status is PlanStatus.REFUSED

    @property
    def gap(self) -> float | None:
        """How far the plan's imbalance may be above the best reachable one (None without a bound)."""
        if self.lower_bound is None:
            return None
        return max(0.0, self.after.imbalance - self.lower_bound)

    def to_json(self) -> dict[str, Any]:
        """The plan document of docs/contracts.md (its required keys, then status, reason, method, ...)."""
        out: dict[str, Any] = {
            "version": PLAN_VERSION,
            "moves": [move.to_json() for move in self.moves],
            "before": self.before.to_json(),
            "after": self.after.to_json(),
        }
        if self.lower_bound is not None:
            # rounded down, so the printed bound is still a bound
            out["lower_bound"] = math.floor(self.lower_bound * 1e6) / 1e6
            out["gap"] = round(self.gap or 0.0, 6)
        assert self.status is not None
        out["status"] = self.status.value
        if self.reason is not None:
            out["reason"] = self.reason
        out["method"] = self.method
        out["optimal"] = self.optimal
        out["basis"] = self.basis
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        """The plan :meth:`to_json` wrote (also one without ``version`` or ``status``: a version 0 plan).

        Raises ValueError for a plan of a newer version than this code knows, KeyError or TypeError
        when a required field is missing or malformed.
        """
        version = data.get("version", 0)
        if not isinstance(version, int) or version > PLAN_VERSION:
            raise ValueError(f"plan version {version!r} is newer than this govcloud reads ({PLAN_VERSION})")
        status = data.get("status")
        bound = data.get("lower_bound")
        return cls(
            moves=tuple(Move.from_json(m) for m in data["moves"]),
            before=Snapshot.from_json(data["before"]),
            after=Snapshot.from_json(data["after"]),
            lower_bound=None if bound is None else float(bound),
            reason=data.get("reason"),
            method=str(data.get("method", "heuristic")),
            optimal=bool(data.get("optimal", False)),
            status=None if status is None else PlanStatus(status),
            basis=str(data.get("basis", "requests")),
        )
