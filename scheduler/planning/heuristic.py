"""The heuristic strategy: steepest descent (:mod:`scheduler.planning.descent`), then polishing.

Scales to production inventories. Short plans are pruned of moves that do not help and searched on
from there; small inventories are searched twice (with and without the smoothing objective) and the
better plan (lower imbalance, then fewer moves) is kept.
"""

from __future__ import annotations

import time

import numpy as np

from scheduler.model.plan import Plan
from scheduler.planning.arrays import Arrays
from scheduler.planning.chain import chain_moves
from scheduler.planning.descent import EPS, SWAPS_BELOW, Budget, descend, measure, work_budget
from scheduler.planning.hosts import with_host_moves
from scheduler.planning.outcome import IndexMoves, finish, imbalance_after
from scheduler.planning.placement import replay
from scheduler.planning.problem import Problem, Progress

NAME = "heuristic"

# Plans up to this long are pruned of moves that do not help the final imbalance, and searched on.
PRUNE_UP_TO = 120
POLISH_ROUNDS = 3


def prune(arrays: Arrays, moves: IndexMoves, target: float) -> list[tuple[int, int]]:
    """Drop moves (last first) whose removal keeps every step allowed and the imbalance <= target.

    One placement is walked back and forth (undoing moves) instead of replaying each trial afresh."""
    kept = list(moves)
    state = replay(arrays, kept)
    if state is None:
        return kept
    ubar = np.zeros(len(arrays.resources))
    froms: list[int] = []
    host_of = arrays.host_of.copy()
    for w, h in kept:
        froms.append(int(host_of[w]))
        host_of[w] = h
    for i in range(len(kept) - 1, -1, -1):
        # state: after kept[:i + 1] + kept[i + 1:]; take every move from i on back, then try without i
        for j in range(len(kept) - 1, i - 1, -1):
            state.undo(kept[j][0], froms[j])
        done = []
        ok = True
        for j in range(i + 1, len(kept)):
            w, h = kept[j]
            z = int(arrays.host_zone[h])
            if not state.zone_allows(w, z) or h not in state.fitting_hosts(w, z):
                ok = False
                break
            state.apply(w, h)
            done.append(j)
        if ok and measure(state.utilization(), ubar)[0] <= target + EPS:
            del kept[i], froms[i]
            continue
        for j in reversed(done):
            state.undo(kept[j][0], froms[j])
        for j in range(i, len(kept)):
            state.apply(*kept[j])
    return kept


def heuristic_moves(
    arrays: Arrays, *, max_moves: int | None, time_limit: float, progress: Progress | None
) -> tuple[list[tuple[int, int]], str]:
    """The heuristic's moves (pruned when short) and why it stopped.

    Stops on a work budget sized by the inventory (so the plan is the same on any machine);
    ``time_limit`` is only a safety net, and when it fires the reason is "time-limit"."""
    n_movable = int(arrays.movable.sum())
    budget = Budget(work_budget(n_movable, len(arrays.zones)), time.monotonic() + time_limit)
    variants = [True]
    if n_movable <= SWAPS_BELOW:
        variants.append(False)
    best: tuple[float, int, list[tuple[int, int]], str] | None = None
    for smooth in variants:
        search = descend(arrays, max_moves=max_moves, progress=progress, smooth=smooth, budget=budget)
        moves, imb = list(search.moves), search.imbalance
        # Small plans: drop moves that do not help (which can even lower the imbalance, when a
        # pair swap left a detour), then search on from there; a few rounds at most.
        for _ in range(POLISH_ROUNDS):
            if not 0 < len(moves) <= PRUNE_UP_TO:
                break
            pruned = prune(arrays, moves, imb)
            pruned_imb = imbalance_after(arrays, pruned)
            if len(pruned) == len(moves) and pruned_imb >= imb - EPS:
                break
            again = descend(arrays, max_moves=max_moves, smooth=smooth, start=pruned, budget=budget)
            moves, imb = list(again.moves), again.imbalance
            if len(moves) == len(pruned):
                moves, imb = pruned, pruned_imb
        key = (round(imb, 12), len(moves), moves, "time-limit" if budget.timed_out else search.stopped)
        if best is None or key[:2] < best[:2]:
            best = key
    assert best is not None
    moves = chain_moves(arrays, best[2], max_moves=max_moves, budget=budget)  # tight capacity: chains
    return moves, "time-limit" if budget.timed_out else best[3]


def plan_heuristic(problem: Problem) -> Plan:
    """The heuristic's plan for ``problem``."""
    moves, stopped = heuristic_moves(
        problem.arrays,
        max_moves=problem.max_moves,
        time_limit=problem.time_limit,
        progress=problem.progress,
    )
    if problem.balance_hosts:  # then, inside each zone, even out the hosts
        moves = with_host_moves(problem.arrays, moves, problem.max_moves)
    note = None
    if stopped == "time-limit" and moves:
        note = (
            f"stopped at the time limit ({problem.time_limit:g} s); the plan is safe but may not be the best"
        )
    return finish(
        problem.inventory,
        problem.arrays,
        moves,
        before=problem.before,
        bound=problem.bound,
        max_moves=problem.max_moves,
        method=NAME,
        started=problem.started,
        note=note,
    )
