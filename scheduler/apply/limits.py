"""How much one applier run may change: moves per run, per zone, per tenant, and moves in flight."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.model.move import Move


@dataclass(frozen=True)
class ApplyLimits:
    """Caps for one run of the applier; None means unlimited.

    A move counts once against its tenant and once against each zone it touches (the zone it leaves
    and the zone it enters), so ``per_zone=2`` lets at most two moves disturb any one zone.
    ``concurrency`` is how many moves may be in flight at once (1: strictly one after the other).
    """

    per_run: int | None = None
    per_zone: int | None = None
    per_tenant: int | None = None
    concurrency: int = 1

    def __post_init__(self) -> None:
        for name in ("per_run", "per_zone", "per_tenant"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"limit {name} must be >= 0, not {value}")
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, not {self.concurrency}")


class LimitCounter:
    """Moves already spent in a run, and which limit (if any) a further move would break."""

    def __init__(self, limits: ApplyLimits, spent: Iterable[Move] = ()) -> None:
        self.limits = limits
        self.total = 0
        self.zones: Counter[str] = Counter()
        self.tenants: Counter[str] = Counter()
        for move in spent:
            self.spend(move)

    def blocked_by(self, move: Move) -> str | None:
        """Which limit ``move`` would exceed, or None when it fits."""
        limits = self.limits
        if limits.per_run is not None and self.total >= limits.per_run:
            return f"the run already made {self.total} moves (limit per run: {limits.per_run})"
        if limits.per_zone is not None:
            for zone in sorted({move.from_zone, move.to_zone}):
                if self.zones[zone] >= limits.per_zone:
                    spent = self.zones[zone]
                    return f"zone {zone} already had {spent} moves (limit per zone: {limits.per_zone})"
        tenant = move.tenant
        if limits.per_tenant is not None and tenant is not None and self.tenants[tenant] >= limits.per_tenant:
            spent = self.tenants[tenant]
            return f"tenant {tenant} already had {spent} moves (limit per tenant: {limits.per_tenant})"
        return None

    def spend(self, move: Move) -> None:
        """Count ``move`` against the limits."""
        self.total += 1
        for zone in {move.from_zone, move.to_zone}:
            self.zones[zone] += 1
        if move.tenant is not None:
            self.tenants[move.tenant] += 1
