"""``drain``: move every workload out of one zone (maintenance, a failing data centre) under the same
safety rules, or say exactly what cannot fit and why, per workload and per tenant and resource.

Capacity planners ask the same question as "can we lose zone Z?": :attr:`DrainResult.feasible`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from scheduler.model.imbalance import imbalance
from scheduler.model.inventory import Inventory
from scheduler.model.plan import Plan
from scheduler.planning.arrays import Arrays, to_arrays
from scheduler.planning.outcome import finish, snapshot
from scheduler.planning.placement import PlacementState


@dataclass(frozen=True)
class Shortfall:
    """A workload of the drained zone that has nowhere to go, and every reason per other zone."""

    workload: str
    tenant: str | None
    requests: dict[str, float]
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "workload": self.workload,
            "tenant": self.tenant,
            "requests": self.requests,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class TenantShortfall:
    """Per tenant and resource: what must leave the zone, what fits elsewhere, what is missing."""

    tenant: str
    resource: str
    needed: float  # requests of the tenant's workloads that found no place
    room: float  # what the other zones could still take for this tenant (capacity and quota)

    def to_json(self) -> dict[str, object]:
        return {"tenant": self.tenant, "resource": self.resource, "needed": self.needed, "room": self.room}


@dataclass(frozen=True)
class DrainResult:
    """A safe plan that empties ``zone`` (``plan``), or ``plan`` None and what cannot fit."""

    zone: str
    plan: Plan | None
    shortfalls: tuple[Shortfall, ...] = ()
    by_tenant: tuple[TenantShortfall, ...] = ()
    placed: int = 0
    to_move: int = 0
    extra: dict[str, float] = field(default_factory=dict)
    refused: str | None = None
    """Set when every workload found room but the safety gate refused the resulting plan (and why)."""

    @property
    def feasible(self) -> bool:
        """Whether the zone can be emptied."""
        return self.plan is not None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "zone": self.zone,
            "feasible": self.feasible,
            "workloads_to_move": self.to_move,
            "placed": self.placed,
        }
        if self.plan is not None:
            out["plan"] = self.plan.to_json()
        if self.refused is not None:
            out["refused"] = self.refused
        out["shortfalls"] = [s.to_json() for s in self.shortfalls]
        out["by_tenant"] = [t.to_json() for t in self.by_tenant]
        return out


def _why_not(state: PlacementState, w: int, drained: int) -> tuple[str, ...]:
    """Every reason ``w`` fits in no other zone, zone by zone."""
    a = state.a
    name = a.workloads[w]
    if not a.movable[w]:
        return (f"{name} is pinned (movable: false)",)
    reasons = []
    src = state.zone_of(w)
    for z, zone in enumerate(a.zones):
        if z == drained:
            continue
        if not a.allowed[w, z]:
            reasons.append(f"{zone}: not in its allowed_zones")
            continue
        t = a.tenant[w]
        if t >= 0:
            left = a.quota[t, z] - state.tenant_use[t, z]
            for r, resource in enumerate(a.resources):
                if a.req[w, r] > 0 and a.req[w, r] > left[r] + 1e-9:
                    reasons.append(
                        f"{zone}: tenant {a.tenants[t]} {resource} quota has {max(0.0, left[r]):g} left, "
                        f"needs {a.req[w, r]:g}"
                    )
        g = a.group[w]
        if g >= 0 and state.group_zones[g, src] == 1 and state.group_zones[g, z] > 0:
            reasons.append(f"{zone}: group {a.groups[g]} already runs there (it would span fewer zones)")
        hosts = state.zone_hosts[z]
        open_hosts = hosts[state.receiving[hosts]]
        if open_hosts.size == 0:
            reasons.append(f"{zone}: no schedulable host with room")
        elif state.fitting_hosts(w, z).size == 0:
            room = (a.host_cap[open_hosts] - state.host_load[open_hosts]).max(axis=0)
            short = [
                f"{resource} needs {a.req[w, r]:g}, the roomiest host has {max(0.0, room[r]):g}"
                for r, resource in enumerate(a.resources)
                if a.req[w, r] > room[r]
            ]
            reasons.append(f"{zone}: no host fits ({'; '.join(short) or 'replica already on every host'})")
    return tuple(reasons) or (f"{name}: no other zone",)


def drain(inv: Inventory, zone: str, *, max_moves: int | None = None) -> DrainResult:
    """A safe plan that moves every workload out of ``zone``, or what cannot fit and why."""
    started = time.monotonic()
    base = to_arrays(inv)
    if zone not in base.zones:
        raise KeyError(f"unknown zone {zone!r} (zones: {', '.join(base.zones)})")
    drained = base.zones.index(zone)
    # Nothing may land in the zone being drained: treat its hosts as cordoned while planning.
    arrays: Arrays = replace(base, schedulable=base.schedulable & (base.host_zone != drained))
    state = PlacementState(arrays)
    leaving = np.flatnonzero(arrays.host_zone[arrays.host_of] == drained)
    # Biggest first (relative to the cluster), so the hard-to-place ones get the most room.
    size = (arrays.req[leaving] / np.maximum(arrays.zone_cap.sum(axis=0), 1e-12)).max(axis=1, initial=0.0)
    order = leaving[np.argsort(-size, kind="stable")]
    moves: list[tuple[int, int]] = []
    unplaced: list[int] = []
    for w in order.tolist():
        best: tuple[float, int] | None = None
        for z in range(len(arrays.zones)):
            if z == drained:
                continue
            h = state.pick_host(w, z)
            if h < 0:
                continue
            util = (state.zone_load[z] + arrays.req[w]) * state.inv_cap[z]
            score = float(util.max(initial=0.0))
            if best is None or score < best[0]:
                best = (score, h)
        if best is None or (max_moves is not None and len(moves) >= max_moves):
            unplaced.append(w)
            continue
        state.apply(w, best[1])
        moves.append((w, best[1]))
    if unplaced:
        shortfalls = tuple(
            Shortfall(
                arrays.workloads[w],
                arrays.tenants[arrays.tenant[w]] if arrays.tenant[w] >= 0 else None,
                {r: float(arrays.req[w, i]) for i, r in enumerate(arrays.resources) if arrays.req[w, i] > 0},
                (f"the move limit of {max_moves} is reached",)
                if max_moves is not None and len(moves) >= max_moves and arrays.movable[w]
                else _why_not(state, w, drained),
            )
            for w in unplaced
        )
        return DrainResult(
            zone,
            None,
            shortfalls,
            _by_tenant(state, unplaced, drained),
            placed=len(moves),
            to_move=int(leaving.size),
        )
    plan = finish(
        inv,
        base,
        moves,
        before=snapshot(base, base.host_of),
        bound=0.0,
        max_moves=max_moves,
        method="drain",
        started=started,
        may_raise=True,
        note=None if moves else f"zone {zone} runs no workloads: nothing to move",
    )
    plan = replace(plan, lower_bound=None, optimal=False)
    if plan.refused:
        return DrainResult(zone, None, to_move=int(leaving.size), refused=plan.reason)
    rest = {z: row for z, row in plan.after.zones.items() if z != zone}
    return DrainResult(
        zone,
        plan,
        placed=len(moves),
        to_move=int(leaving.size),
        extra={"imbalance_without_zone": imbalance(rest)},
    )


def _by_tenant(state: PlacementState, unplaced: list[int], drained: int) -> tuple[TenantShortfall, ...]:
    """Per tenant and resource: the unplaced requests against the room left for that tenant elsewhere."""
    a = state.a
    out = []
    tenants = sorted({int(a.tenant[w]) for w in unplaced})
    for t in tenants:
        mine = [w for w in unplaced if a.tenant[w] == t]
        zones = [z for z in range(len(a.zones)) if z != drained and any(a.allowed[w, z] for w in mine)]
        for r, resource in enumerate(a.resources):
            needed = float(sum(a.req[w, r] for w in mine))
            if needed <= 0:
                continue
            room = 0.0
            for z in zones:
                hosts = state.zone_hosts[z]
                open_hosts = hosts[state.receiving[hosts]]
                free = float(
                    np.clip(a.host_cap[open_hosts, r] - state.host_load[open_hosts, r], 0, None).sum()
                )
                if t >= 0:
                    free = min(free, max(0.0, float(a.quota[t, z, r] - state.tenant_use[t, z, r])))
                room += free
            out.append(TenantShortfall(a.tenants[t] if t >= 0 else "(no tenant)", resource, needed, room))
    return tuple(out)
