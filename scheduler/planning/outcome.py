"""From a strategy's index moves to a checked :class:`Plan`: the one exit every planner goes through.

Each plan passes the safety gate here (``plan_violations``); a plan that fails it, or that would raise
the imbalance, is refused: an empty plan whose status says so, never a partial unsafe one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from scheduler.model.imbalance import imbalance
from scheduler.model.inventory import Inventory
from scheduler.model.move import Move
from scheduler.model.plan import Plan, PlanStatus, Snapshot
from scheduler.model.safety import plan_violations
from scheduler.planning.arrays import Arrays

IndexMoves = Sequence[tuple[int, int]]
"""Moves as (workload index, target host index) pairs, in order."""


def snapshot(arrays: Arrays, host_of: np.ndarray) -> Snapshot:
    """The contract's utilization and imbalance of a placement, computed on arrays."""
    load = arrays.zone_load(host_of)
    cap = arrays.zone_cap
    zones = {
        zone: {r: float(load[z, i] / cap[z, i]) for i, r in enumerate(arrays.resources) if cap[z, i] > 0}
        for z, zone in enumerate(arrays.zones)
    }
    return Snapshot(imbalance(zones), zones)


def imbalance_after(arrays: Arrays, moves: IndexMoves) -> float:
    """The imbalance once ``moves`` are made (order does not matter for the end state)."""
    host_of = arrays.host_of.copy()
    for w, h in moves:
        host_of[w] = h
    return snapshot(arrays, host_of).imbalance


def to_moves(arrays: Arrays, moves: IndexMoves) -> tuple[Move, ...]:
    """Index moves replayed from the inventory's placement as named :class:`Move` values."""
    if not moves:
        return ()
    ws = np.array([w for w, _ in moves], dtype=np.int64)
    now: dict[int, int] = {}  # where a workload already moved in this plan is (a plan may repeat one)
    hosts, zones, workloads, tenants = arrays.hosts, arrays.zones, arrays.workloads, arrays.tenants
    host_zone = arrays.host_zone.tolist()
    out = []
    for (w, h), start, t in zip(moves, arrays.host_of[ws].tolist(), arrays.tenant[ws].tolist(), strict=True):
        old = now.get(w, start)
        out.append(
            Move(
                workload=workloads[w],
                tenant=tenants[t] if t >= 0 else None,
                from_host=hosts[old],
                to_host=hosts[h],
                from_zone=zones[host_zone[old]],
                to_zone=zones[host_zone[h]],
            )
        )
        now[w] = h
    return tuple(out)


def explain_nothing(inv: Inventory, before: Snapshot, bound: float, max_moves: int | None) -> str:
    """Why no plan moves anything, in words a capacity planner can act on."""
    if max_moves == 0:
        return "--max-moves is 0: nothing may move"
    if before.imbalance <= 1e-9:
        return "already balanced: every zone has the same utilization"
    pinned = sum(1 for w in inv.workloads if not w.movable)
    resident = sum(1 for w in inv.workloads if w.movable and w.allowed_zones is not None)
    cordoned = sum(1 for h in inv.hosts if not h.schedulable)
    proven = "; the lower bound proves no plan can" if bound >= before.imbalance - 1e-6 else ""
    return (
        f"no safe move lowers the imbalance ({before.imbalance:.4f}): every candidate would overfill a host, "
        f"exceed a tenant quota, leave its allowed zones or shrink a replica group "
        f"({pinned} pinned workloads, {resident} with residency limits, {cordoned} cordoned hosts){proven}"
    )


def finish(
    inv: Inventory,
    arrays: Arrays,
    moves: IndexMoves,
    *,
    before: Snapshot,
    bound: float,
    max_moves: int | None,
    method: str,
    started: float,
    optimal: bool = False,
    note: str | None = None,
    may_raise: bool = False,
) -> Plan:
    """Turn index moves into a checked :class:`Plan` (or an empty one with the reason)."""
    named = to_moves(arrays, moves)
    problems = plan_violations(inv, named, max_moves=max_moves)
    reason = note
    status = PlanStatus.REFUSED if problems else PlanStatus.PLANNED
    if problems:
        named = ()
        reason = "refused an unsafe plan (planner defect): " + "; ".join(problems[:3])
    host_of = arrays.host_of.copy()
    if named:
        for w, h in moves:
            host_of[w] = h
    after = snapshot(arrays, host_of) if named else before
    if after.imbalance > before.imbalance + 1e-12 and not may_raise:
        named, after, status = (), before, PlanStatus.REFUSED
        reason = "refused a plan that would raise the imbalance (planner defect)"
    if not named and status is not PlanStatus.REFUSED:
        status = PlanStatus.NOTHING
        reason = explain_nothing(inv, before, bound, max_moves)
    bound = min(bound, after.imbalance)
    return Plan(
        moves=named,
        before=before,
        after=after,
        lower_bound=bound,
        reason=reason,
        method=method,
        optimal=optimal or after.imbalance <= bound + 1e-9,
        seconds=time.monotonic() - started,
        status=status,
    )
