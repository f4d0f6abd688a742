"""A plan: ordered moves, the zone utilization before and after, a proven bound and why it stops."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scheduler.imbalance import imbalance, zone_utilization
from scheduler.inventory import Inventory
from scheduler.move import Move

REFUSED = "refused"
"""How a plan's ``reason`` starts when the planner's own moves failed the final check and were dropped."""


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


@dataclass(frozen=True)
class Plan:
    """Moves to apply in order, one at a time; every intermediate state satisfies the safety rules.

    ``lower_bound`` is a proven lower bound on the imbalance any plan within the same limits could
    reach; ``reason`` says why the plan is empty or stops where it does. ``method`` names the planner
    ("heuristic", "exact", ...) and ``optimal`` is True when the plan's imbalance is proven optimal.
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

    @property
    def refused(self) -> bool:
        """True when the planner's moves failed the final safety check and were dropped (a defect)."""
        return self.reason is not None and self.reason.startswith(REFUSED)

    @property
    def gap(self) -> float | None:
        """How far the plan's imbalance may be above the best reachable one (None without a bound)."""
        if self.lower_bound is None:
            return None
        return max(0.0, self.after.imbalance - self.lower_bound)

    def to_json(self) -> dict[str, Any]:
        """The CONTRACTS.md section 3 plan (plus optional keys: reason, method, optimal, gap)."""
        out: dict[str, Any] = {
            "moves": [move.to_json() for move in self.moves],
            "before": self.before.to_json(),
            "after": self.after.to_json(),
        }
        if self.lower_bound is not None:
            # rounded down, so the printed bound is still a bound
            out["lower_bound"] = math.floor(self.lower_bound * 1e6) / 1e6
            out["gap"] = round(self.gap or 0.0, 6)
        if self.reason is not None:
            out["reason"] = self.reason
        out["method"] = self.method
        out["optimal"] = self.optimal
        return out
