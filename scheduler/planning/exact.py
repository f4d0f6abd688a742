"""Exact mode: a MILP over final placements, solved by HiGHS, then put in a safe order.

Variables ``x[w, h]`` place each movable workload on one of the hosts it could ever reach; ``t``
bounds every resource's spread of zone utilization. Phase 1 minimises ``t``; phase 2 fixes it and
minimises moves, then moved memory. Every constraint is one that any safe sequence of moves must
satisfy at its end (hosts and quotas no fuller than allowed, replica groups no narrower, at most
``max_moves`` moves), so the solver's dual bound is a proven lower bound for the real problem.

The MILP says nothing about order. The moves are then ordered greedily, each one made only when it
is safe in the state reached so far (on any host of its target zone, which leaves the imbalance
unchanged). If no safe order completes the optimal placement, the best safe plan is returned (the
ordered part, or the heuristic's plan) and the plan says so; it is never an unsafe plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from scheduler.model.plan import Plan
from scheduler.planning.arrays import Arrays
from scheduler.planning.descent import measure
from scheduler.planning.heuristic import heuristic_moves
from scheduler.planning.milp import Milp, build_milp, placement_start
from scheduler.planning.order import order_moves
from scheduler.planning.outcome import finish
from scheduler.planning.problem import Problem

NAME = "exact"
INF = highspy.kHighsInf
# Workload x bin pairs above which a MILP level is not even built (memory and time would explode).
MAX_PLACEMENTS = 400_000


def _targets(a: Arrays, milp: Milp, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(target zone, preferred host or -1) of every workload in a MILP solution."""
    zone = a.host_zone[a.host_of].copy()
    host = np.full(len(a.workloads), -1)
    host_level = len(milp.bin_zone) == len(a.hosts) and milp.bin_zone is a.host_zone
    for (w, b), c in milp.x.items():
        if values[c] > 0.5:
            zone[w] = milp.bin_zone[b]
            host[w] = b if host_level else -1
    return zone, host


@dataclass(frozen=True)
class _Outcome:
    moves: list[tuple[int, int]]
    stuck: list[int]
    best_t: float  # the MILP's imbalance (of a placement, before ordering)
    dual_bound: float
    proven: bool  # phase 1 solved to optimality


def _solve(
    a: Arrays, max_moves: int | None, level: str, deadline: float, warm: list[tuple[int, int]]
) -> _Outcome | None:
    milp = build_milp(a, max_moves, level=level)
    cost = np.zeros(len(milp.model.cost))
    cost[milp.t] = 1.0
    h1 = milp.model.solve(
        cost, max(0.05, (deadline - time.monotonic()) * 0.7), placement_start(a, milp, warm)
    )
    info = h1.getInfo()
    dual = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else 0.0
    if info.primal_solution_status != 2:  # no feasible placement found in time
        return _Outcome([], [], np.inf, dual, False)
    proven = h1.getModelStatus() == highspy.HighsModelStatus.kOptimal
    best_t = float(info.objective_function_value)
    milp.model.row(-INF, best_t + 1e-7, [milp.t], [1.0])
    first = h1.getSolution().col_value
    h2 = milp.model.solve(milp.moves_cost, max(0.05, deadline - time.monotonic()), dict(enumerate(first)))
    solved = h2 if h2.getInfo().primal_solution_status == 2 else h1
    zone, host = _targets(a, milp, np.array(solved.getSolution().col_value))
    moves, stuck = order_moves(a, zone, host)
    return _Outcome(moves, stuck, best_t, dual, proven)


def plan_exact(problem: Problem) -> Plan:
    """The exact plan (see the module docstring); falls back honestly when no safe order exists.

    The zone-level relaxation is solved first: when its optimal placement can be safely ordered
    onto real hosts, it is optimal for the real problem too. Otherwise the host-level MILP is solved
    with the time left. The best safe plan of those and the heuristic's is returned.
    """
    a, max_moves, time_limit = problem.arrays, problem.max_moves, problem.time_limit
    bound = problem.bound
    deadline = problem.deadline
    report = problem.progress or (lambda _f: None)
    heuristic, _ = heuristic_moves(
        a, max_moves=max_moves, time_limit=max(0.1, time_limit * 0.1), progress=None
    )
    ubar = np.zeros(len(a.resources))
    candidates = [(_imbalance_after(a, heuristic, ubar), len(heuristic), "heuristic", heuristic)]
    report(0.1)
    notes: list[str] = []
    optimal = False
    movable = int(a.movable.sum())
    for level, share in (("zone", 0.5), ("host", 1.0)):
        size = movable * (len(a.zones) if level == "zone" else len(a.hosts))
        if size > MAX_PLACEMENTS:
            notes.append(
                f"too large for the {level}-level MILP ({size:,} workload-{level} pairs, "
                f"limit {MAX_PLACEMENTS:,}); use the heuristic for inventories this size"
            )
            continue
        outcome = _solve(
            a, max_moves, level, time.monotonic() + (deadline - time.monotonic()) * share, heuristic
        )
        bound = max(bound, outcome.dual_bound - 1e-7)
        report(0.5 if level == "zone" else 0.95)
        if not np.isfinite(outcome.best_t):
            notes.append(f"the {level}-level MILP found no placement in time")
            continue
        mine = _imbalance_after(a, outcome.moves, ubar)
        candidates.append((mine, len(outcome.moves), level, outcome.moves))
        if outcome.stuck:
            names = ", ".join(a.workloads[w] for w in outcome.stuck[:5])
            notes.append(
                f"the {level}-level optimum has no safe order for {len(outcome.stuck)} move(s) ({names})"
            )
            continue
        if outcome.proven and mine <= outcome.best_t + 1e-9:
            optimal = True
            break
        if time.monotonic() >= deadline:
            break
    candidates.sort(key=lambda c: (round(c[0], 12), c[1], c[2] == "heuristic"))
    best_imbalance, _, source, moves = candidates[0]
    if not optimal:
        notes.append(
            "time limit reached before optimality was proven"
            if time.monotonic() >= deadline
            else "optimality not proven"
        )
    if source == "heuristic" and all(c[:2] > candidates[0][:2] for c in candidates[1:]):
        notes.append("the heuristic's plan was at least as good")
    report(1.0)
    return finish(
        problem.inventory,
        a,
        moves,
        before=problem.before,
        bound=bound,
        max_moves=max_moves,
        method=NAME,
        started=problem.started,
        optimal=optimal and best_imbalance <= candidates[0][0] + 1e-12,
        note="; ".join(notes) if notes else None,
    )


def _imbalance_after(a: Arrays, moves: list[tuple[int, int]], ubar: np.ndarray) -> float:
    host_of = a.host_of.copy()
    for w, h in moves:
        host_of[w] = h
    load = a.zone_load(host_of)
    cap = a.zone_cap
    u = np.where(cap > 0, load / np.where(cap > 0, cap, 1.0), np.nan)
    return measure(u, ubar)[0]
