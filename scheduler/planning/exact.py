"""Exact mode: a MILP over final placements, solved by HiGHS, then put in a safe order.

Columns ``x[w, b]`` place each movable workload on the bins it could ever reach, zones then hosts
(:mod:`scheduler.planning.milp`); ``t`` bounds every resource's spread of zone utilization. Phase 1
minimises ``t``; phase 2 fixes it and minimises moves, then moved memory. Every constraint is one
that any safe sequence of moves must satisfy at its end (hosts and quotas no fuller than allowed,
replica groups no narrower, at most ``max_moves`` moves), so the solver's dual bound is a proven
lower bound for the real problem.

Why the proof closes: min-max balancing of a few VM sizes has a weak LP bound (workloads split
freely, so the root bound stays near 0) and HiGHS rarely closes the last few thousandths by
branching on workloads (counting interchangeable workloads instead, :mod:`symmetry`, is exact but
proved no more on the medium set). The lattice bound (:meth:`Milp.lattice_bound`: workloads split,
but each zone's movable load a whole number of units) is a small MILP that proves the granularity
the imbalance is made of; ``t`` starts at it (and at the cheap bound), so phase 1 ends the moment a
placement reaches it.

The MILP says nothing about order. The moves are then ordered greedily, each one made only when it
is safe in the state reached so far (on any host of its target zone, which leaves the imbalance
unchanged). When the zone-level optimum has no such order, a no-swap host-level restriction (moves
fit before anything leaves, so any order is safe) and then the host-level MILP are tried. A plan is
``optimal`` when a safe plan (any of those, or the heuristic's) reaches a proven lower bound. If
none does, the best safe plan is returned and the plan says so; it is never an unsafe plan. As
with the heuristic, the hosts inside each zone are then evened out (:mod:`hosts`; zone loads stay).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from scheduler.model.plan import Plan
from scheduler.planning.arrays import Arrays
from scheduler.planning.heuristic import heuristic_moves
from scheduler.planning.hosts import with_host_moves
from scheduler.planning.milp import build_milp, placement_start
from scheduler.planning.order import order_moves
from scheduler.planning.outcome import finish, imbalance_after
from scheduler.planning.problem import Problem

NAME = "exact"
INF = highspy.kHighsInf
# Workload x bin pairs above which a MILP level is not even built (memory and time would explode).
MAX_PLACEMENTS = 400_000
# A safe plan this close to a proven lower bound is optimal (the solver's own tolerances are ~1e-7).
PROOF_TOLERANCE = 2e-7
# Phase-2 re-solves with the workloads the greedy order could not place kept at home.
RETRIES = 3
# Branch-and-bound nodes for the lattice bound (it usually closes at the root).
LATTICE_NODES = 2_000


@dataclass(frozen=True)
class Step:
    """One MILP solved in turn: its bins, whether moves must fit without swaps (a restriction whose
    bound proves nothing, but whose placements always have a safe order), the share of the time left
    it may use, and its node limits for phase 1 (least imbalance) and phase 2 (fewest moves). The
    searches stop at those limits, deterministically; the time limit is only a net."""

    level: str
    strict: bool
    share: float
    nodes: tuple[int, int]

    @property
    def label(self) -> str:
        return f"{self.level}-level" + (" no-swap" if self.strict else "")


STEPS = (
    Step("zone", False, 0.4, (3_000, 100)),
    Step("host", True, 0.5, (1_000, 100)),
    Step("host", False, 1.0, (1_000, 100)),
)


@dataclass(frozen=True)
class _Outcome:
    moves: list[tuple[int, int]]
    stuck: list[int]
    best_t: float  # the MILP's imbalance (of a placement, before ordering)
    dual_bound: float
    proven: bool  # phase 1 solved to optimality
    timed_out: bool  # the time limit, not a node limit, stopped one of its searches


def _solve(
    a: Arrays,
    max_moves: int | None,
    step: Step,
    deadline: float,
    warm: list[tuple[int, int]],
    floor: float,
) -> _Outcome:
    """Phase 1 and 2 of ``step``, with ``t`` no lower than ``floor`` (a proven lower bound)."""
    level = step.level
    milp = build_milp(a, max_moves, level=level, strict=step.strict, lattice=True)
    timed_out = False
    if level == "zone":
        lattice, timed_out = milp.lattice_bound(max(0.05, (deadline - time.monotonic()) * 0.3), LATTICE_NODES)
        floor = max(floor, lattice)
    # no solution is lost (t is at least a proven bound in every one), and the search ends the
    # moment a placement reaches the bound
    milp.model.lower[milp.t] = max(0.0, floor - 1e-9)
    cost = np.zeros(len(milp.model.cost))
    cost[milp.t] = 1.0
    nodes = step.nodes
    h1 = milp.model.solve(
        cost,
        max(0.05, (deadline - time.monotonic()) * 0.7),
        placement_start(a, milp, warm),
        max_nodes=nodes[0],
        heuristics=True,
    )
    info = h1.getInfo()
    timed_out |= h1.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    dual = (
        floor
        if step.strict
        else max(floor, float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else 0.0)
    )
    if info.primal_solution_status != 2:  # no feasible placement found in time
        return _Outcome([], [], np.inf, dual, False, timed_out)
    proven = not step.strict and h1.getModelStatus() == highspy.HighsModelStatus.kOptimal
    best_t = float(info.objective_function_value)
    milp.model.row(-INF, best_t + 1e-7, [milp.t], [1.0])
    first = h1.getSolution().col_value
    h2 = milp.model.solve(
        milp.moves_cost,
        max(0.05, deadline - time.monotonic()),
        dict(enumerate(first)),
        max_nodes=nodes[1],
        heuristics=True,
    )
    timed_out |= h2.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    solved = h2 if h2.getInfo().primal_solution_status == 2 else h1
    zone, host = milp.placement(a, np.array(solved.getSolution().col_value))
    moves, stuck = order_moves(a, zone, host, max_moves=max_moves, deadline=deadline)
    for _ in range(RETRIES):
        if not stuck:
            break
        # keep the workloads left without a safe turn where they are, and ask phase 2 again for a
        # placement as balanced (a restriction: it may find none)
        rep = {w: members[0] for members in milp.classes.members for w in members}
        for w in stuck:
            c = milp.x[(rep[w], int(milp.cur_bin[w]))]
            milp.model.lower[c] = min(milp.model.upper[c], milp.model.lower[c] + 1.0)
        again = milp.model.solve(
            milp.moves_cost, max(0.05, deadline - time.monotonic()), max_nodes=nodes[1], heuristics=True
        )
        timed_out |= again.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
        if again.getInfo().primal_solution_status != 2:
            break
        zone, host = milp.placement(a, np.array(again.getSolution().col_value))
        retry, left = order_moves(a, zone, host, max_moves=max_moves, deadline=deadline)
        if len(left) >= len(stuck) and len(retry) <= len(moves):
            break
        moves, stuck = retry, left
    return _Outcome(moves, stuck, best_t, dual, proven, timed_out)


def plan_exact(problem: Problem) -> Plan:
    """The exact plan (see the module docstring); falls back honestly when no safe order exists.

    The zone-level relaxation is solved first: when its optimal placement can be safely ordered
    onto real hosts, it is optimal for the real problem too. Otherwise the host-level steps run with
    the time left. The best safe plan of those and the heuristic's is returned.
    """
    a, max_moves, time_limit = problem.arrays, problem.max_moves, problem.time_limit
    bound = problem.bound
    deadline = problem.deadline
    report = problem.progress or (lambda _f: None)
    heuristic, _ = heuristic_moves(
        a, max_moves=max_moves, time_limit=max(0.1, time_limit * 0.1), progress=None
    )
    candidates = [(imbalance_after(a, heuristic), len(heuristic), "heuristic", heuristic)]
    report(0.1)
    notes: list[str] = []
    optimal = False
    movable = int(a.movable.sum())
    for step in STEPS:
        level = step.level
        size = movable * (len(a.zones) if level == "zone" else len(a.hosts))
        if size > MAX_PLACEMENTS:
            note = (
                f"too large for the {level}-level MILP ({size:,} workload-{level} pairs, "
                f"limit {MAX_PLACEMENTS:,}); use the heuristic for inventories this size"
            )
            notes.extend([note] if note not in notes else [])
            continue
        share = time.monotonic() + (deadline - time.monotonic()) * step.share
        outcome = _solve(a, max_moves, step, share, heuristic, bound)
        bound = max(bound, outcome.dual_bound - 1e-7)
        if outcome.timed_out:
            notes.append(f"the time limit cut the {step.label} MILP short")
        report(0.5 if level == "zone" else 0.95)
        if not np.isfinite(outcome.best_t):
            notes.append(f"the {step.label} MILP found no placement in time")
            continue
        mine = imbalance_after(a, outcome.moves)
        candidates.append((mine, len(outcome.moves), level, outcome.moves))
        if outcome.stuck:
            names = ", ".join(a.workloads[w] for w in outcome.stuck[:5])
            notes.append(
                f"the {step.label} optimum has no safe order for {len(outcome.stuck)} move(s) ({names})"
            )
        if (outcome.proven and not outcome.stuck and mine <= outcome.best_t + 1e-9) or min(
            c[0] for c in candidates
        ) <= bound + PROOF_TOLERANCE:
            optimal = True  # a safe plan reaches a proven lower bound
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
    if problem.balance_hosts:  # the second objective, as the heuristic has it: hosts inside each zone
        moves = with_host_moves(a, list(moves), max_moves)
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
        optimal=optimal or best_imbalance <= bound + PROOF_TOLERANCE,
        note="; ".join(notes) if notes else None,
    )
