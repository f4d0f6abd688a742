"""``rebalance``: the entry point. Picks the planner, checks its moves at the safety gate, and
returns a :class:`Plan` with before/after, a proven lower bound and, when nothing moves, the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from scheduler.arrays import Arrays, to_arrays
from scheduler.bound import zone_lower_bound
from scheduler.heuristic import EPS, SWAPS_BELOW, descend, measure
from scheduler.imbalance import imbalance
from scheduler.inventory import Inventory
from scheduler.move import Move
from scheduler.plan import REFUSED, Plan, Snapshot
from scheduler.safety import plan_violations
from scheduler.state import PlacementState

Progress = Callable[[float], None]
IndexMoves = Sequence[tuple[int, int]]

# Plans up to this long are pruned of moves that do not help the final imbalance, and searched on.
PRUNE_UP_TO = 120
POLISH_ROUNDS = 3


def snapshot(arrays: Arrays, host_of: np.ndarray) -> Snapshot:
    """The contract's utilization and imbalance of a placement, computed on arrays."""
    load = arrays.zone_load(host_of)
    cap = arrays.zone_cap
    zones = {
        zone: {r: float(load[z, i] / cap[z, i]) for i, r in enumerate(arrays.resources) if cap[z, i] > 0}
        for z, zone in enumerate(arrays.zones)
    }
    return Snapshot(imbalance(zones), zones)


def to_moves(arrays: Arrays, moves: IndexMoves) -> tuple[Move, ...]:
    """Index moves replayed from the inventory's placement as named :class:`Move` values."""
    host_of = arrays.host_of.copy()
    tenants = arrays.tenants
    out = []
    for w, h in moves:
        old = int(host_of[w])
        t = int(arrays.tenant[w])
        out.append(
            Move(
                workload=arrays.workloads[w],
                tenant=tenants[t] if t >= 0 else None,
                from_host=arrays.hosts[old],
                to_host=arrays.hosts[h],
                from_zone=arrays.zones[arrays.host_zone[old]],
                to_zone=arrays.zones[arrays.host_zone[h]],
            )
        )
        host_of[w] = h
    return tuple(out)


def replay(arrays: Arrays, moves: IndexMoves) -> PlacementState | None:
    """The state after ``moves`` if every one is allowed when made (array rules), else None."""
    state = PlacementState(arrays)
    for w, h in moves:
        z = int(arrays.host_zone[h])
        if not state.zone_allows(w, z) or h not in state.fitting_hosts(w, z):
            return None
        state.apply(w, h)
    return state


def prune(arrays: Arrays, moves: IndexMoves, target: float) -> list[tuple[int, int]]:
    """Drop moves (last first) whose removal keeps every step allowed and the imbalance <= target."""
    kept = list(moves)
    ubar = None
    for i in range(len(kept) - 1, -1, -1):
        trial = kept[:i] + kept[i + 1 :]
        state = replay(arrays, trial)
        if state is None:
            continue
        if ubar is None:
            ubar = np.zeros(len(arrays.resources))
        if measure(state.utilization(), ubar)[0] <= target + EPS:
            kept = trial
    return kept


def _imbalance_of(arrays: Arrays, moves: IndexMoves) -> float:
    host_of = arrays.host_of.copy()
    for w, h in moves:
        host_of[w] = h
    return snapshot(arrays, host_of).imbalance


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
    refused = bool(problems)
    if refused:
        named = ()
        reason = f"{REFUSED} an unsafe plan (planner defect): " + "; ".join(problems[:3])
    host_of = arrays.host_of.copy()
    if named:
        for w, h in moves:
            host_of[w] = h
    after = snapshot(arrays, host_of) if named else before
    if after.imbalance > before.imbalance + 1e-12 and not may_raise:
        named, after, refused = (), before, True
        reason = f"{REFUSED} a plan that would raise the imbalance (planner defect)"
    if not named and not refused:
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
    )


def heuristic_moves(
    arrays: Arrays, *, max_moves: int | None, time_limit: float, progress: Progress | None
) -> tuple[list[tuple[int, int]], str]:
    """The heuristic's moves (pruned when short) and why it stopped.

    Small inventories are searched twice, with and without the smoothing objective, and the better
    plan (lower imbalance, then fewer moves) is kept.
    """
    started = time.monotonic()
    variants = [True]
    if int(arrays.movable.sum()) <= SWAPS_BELOW:
        variants.append(False)
    best: tuple[float, int, list[tuple[int, int]], str] | None = None
    for smooth in variants:
        left = max(0.05, time_limit - (time.monotonic() - started))
        search = descend(arrays, max_moves=max_moves, time_limit=left, progress=progress, smooth=smooth)
        moves, imb = list(search.moves), search.imbalance
        # Small plans: drop moves that do not help (which can even lower the imbalance, when a
        # pair swap left a detour), then search on from there; a few rounds at most.
        for _ in range(POLISH_ROUNDS):
            if not 0 < len(moves) <= PRUNE_UP_TO:
                break
            pruned = prune(arrays, moves, imb)
            pruned_imb = _imbalance_of(arrays, pruned)
            if len(pruned) == len(moves) and pruned_imb >= imb - EPS:
                break
            left = max(0.05, time_limit - (time.monotonic() - started))
            again = descend(arrays, max_moves=max_moves, time_limit=left, smooth=smooth, start=pruned)
            moves, imb = list(again.moves), again.imbalance
            if len(moves) == len(pruned):
                moves, imb = pruned, pruned_imb
        key = (round(imb, 12), len(moves), moves, search.stopped)
        if best is None or key[:2] < best[:2]:
            best = key
    assert best is not None
    return best[2], best[3]


def rebalance(
    inv: Inventory,
    *,
    max_moves: int | None = None,
    exact: bool = False,
    time_limit: float = 10.0,
    progress: Progress | None = None,
) -> Plan:
    """A safe plan of moves that lowers the zone imbalance of ``inv`` as far as it can.

    The heuristic scales to production inventories; ``exact`` solves a MILP with HiGHS (for small and
    medium inventories, within ``time_limit`` seconds) and keeps the better of the two.
    """
    started = time.monotonic()
    if max_moves is not None and max_moves < 0:
        raise ValueError("max_moves must be >= 0")
    arrays = to_arrays(inv)
    before = snapshot(arrays, arrays.host_of)
    bound = zone_lower_bound(arrays, max_moves)
    if max_moves == 0 or before.imbalance <= 1e-9:
        return finish(
            inv,
            arrays,
            [],
            before=before,
            bound=bound,
            max_moves=max_moves,
            method="exact" if exact else "heuristic",
            started=started,
        )
    if exact:
        from scheduler.exact import exact_plan

        return exact_plan(
            inv,
            arrays,
            before=before,
            bound=bound,
            max_moves=max_moves,
            time_limit=time_limit,
            progress=progress,
            started=started,
        )
    moves, stopped = heuristic_moves(arrays, max_moves=max_moves, time_limit=time_limit, progress=progress)
    note = None
    if stopped == "time-limit":
        note = f"stopped at the time limit ({time_limit:g} s); the plan is safe but may not be the best"
    return finish(
        inv,
        arrays,
        moves,
        before=before,
        bound=bound,
        max_moves=max_moves,
        method="heuristic",
        started=started,
        note=note if moves else None,
    )
