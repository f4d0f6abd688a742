"""``rebalance``: the entry point. Builds the problem, runs the named strategy, returns its plan.

:data:`Planner` is the one shape every caller that re-plans takes (the applier when the live state
departs from the plan, the loop that ``govcloud serve`` runs); :func:`planner` makes one.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping

from scheduler.model.inventory import Inventory
from scheduler.model.plan import Plan
from scheduler.planning.arrays import Arrays, to_arrays
from scheduler.planning.bound import zone_lower_bound
from scheduler.planning.bound_mip import milp_bound
from scheduler.planning.outcome import finish, snapshot
from scheduler.planning.problem import Problem, Progress
from scheduler.planning.strategy import DEFAULT, strategy_named

Planner = Callable[[Inventory, int | None], Plan]
"""(inventory, move budget or None for unlimited) -> a safe plan."""


def rebalance(
    inv: Inventory,
    *,
    strategy: str = DEFAULT,
    max_moves: int | None = None,
    time_limit: float = 10.0,
    progress: Progress | None = None,
    usage: Mapping[str, Mapping[str, float]] | None = None,
    hosts: bool = True,
) -> Plan:
    """A safe plan of moves that lowers the zone imbalance of ``inv`` as far as ``strategy`` can.

    ``heuristic`` scales to production inventories; ``exact`` solves a MILP with HiGHS (for small and
    medium inventories, within ``time_limit`` seconds) and keeps the better of its plan and the
    heuristic's. Every plan carries a proven lower bound on the best reachable imbalance.

    With ``usage`` (workload -> resource -> measured amount) the zones are balanced on usage over
    physical capacity instead of requests over capacity; capacity, quotas and every other rule still
    hold on requests. Only the heuristic balances usage.

    With ``hosts`` (the default) the heuristic then evens out the hosts inside each zone; a caller
    whose executor cannot choose the host within a zone turns it off.
    """
    started = time.monotonic()
    chosen = strategy_named(strategy)
    if max_moves is not None and max_moves < 0:
        raise ValueError("max_moves must be >= 0")
    if usage is not None and strategy != DEFAULT:
        raise ValueError(f"balancing by usage needs the {DEFAULT} strategy, not {strategy}")
    basis = "requests" if usage is None else "usage"
    arrays = to_arrays(inv, usage)
    before = snapshot(arrays, arrays.host_of)
    bound = zone_lower_bound(arrays, max_moves)
    if max_moves == 0 or before.imbalance <= 1e-9:
        plan = finish(
            inv,
            arrays,
            [],
            before=before,
            bound=bound,
            max_moves=max_moves,
            method=strategy,
            started=started,
        )
    else:
        plan = chosen(Problem(inv, arrays, before, bound, max_moves, time_limit, progress, started, hosts))
        if strategy == DEFAULT:
            plan = _tighten(plan, arrays, max_moves, started)
    return plan if basis == "requests" else dataclasses.replace(plan, basis=basis)


# A plan within this of its cheap bound is close enough: no MILP is spent on proving more.
CLOSE_ENOUGH = 0.02


def _tighten(plan: Plan, arrays: Arrays, max_moves: int | None, started: float) -> Plan:
    """``plan`` with the MILP's bound (:mod:`bound_mip`) when the cheap one leaves it far off.

    Deterministic: whether it runs depends only on the plan, and the MILP stops at a node limit.
    """
    bound = plan.lower_bound or 0.0
    if plan.refused or plan.after.imbalance - bound <= CLOSE_ENOUGH:
        return plan
    w_index = {name: i for i, name in enumerate(arrays.workloads)}
    h_index = {name: i for i, name in enumerate(arrays.hosts)}
    moves = [(w_index[m.workload], h_index[m.to_host]) for m in plan.moves]
    proven = min(plan.after.imbalance, max(bound, milp_bound(arrays, max_moves, moves)))
    if proven <= bound:
        return plan
    return dataclasses.replace(
        plan,
        lower_bound=proven,
        optimal=plan.optimal or plan.after.imbalance <= proven + 1e-9,
        seconds=time.monotonic() - started,
    )


def planner(
    strategy: str = DEFAULT,
    time_limit: float = 10.0,
    usage: Mapping[str, Mapping[str, float]] | None = None,
    *,
    hosts: bool = True,
) -> Planner:
    """A :data:`Planner` that rebalances with ``strategy`` within ``time_limit`` seconds (on ``usage``,
    if given; balancing hosts inside zones unless ``hosts`` is off)."""
    strategy_named(strategy)  # an unknown name fails here, not at the first re-plan

    def plan(inv: Inventory, max_moves: int | None) -> Plan:
        return rebalance(
            inv, strategy=strategy, max_moves=max_moves, time_limit=time_limit, usage=usage, hosts=hosts
        )

    return plan
