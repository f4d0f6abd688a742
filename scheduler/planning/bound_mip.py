"""A proven lower bound with integrality: the placement MILP's dual bound after a few nodes.

The cheap bounds (:mod:`scheduler.planning.bound`) relax integrality away: a workload may be split
over zones, so on lumpy inventories they prove little. Where a plan ends far above them, this solves
the exact strategy's MILP (:mod:`scheduler.planning.milp`: whole workloads on hosts, or on zones when
hosts would make it too big; pinned and unmovable load fixed; hosts, quotas, replica groups and the
move budget as at the end of any safe plan) for at most ``MAX_NODES`` branch-and-bound nodes, warm
started with the plan's own placement, and returns HiGHS's dual bound. The MILP is a relaxation of
the real problem (it drops the order of moves), so its dual bound is a proof whatever the solver got
to. The node limit makes it deterministic; the time limit is only a net (if it fires, the bound is
whatever the solver had proven by then, still a proof, but possibly lower on a slower machine).
"""

from __future__ import annotations

import numpy as np

from scheduler.planning.arrays import Arrays
from scheduler.planning.milp import build_milp, placement_start

# Workload x bin pairs above which the MILP is not built (the root LP alone would cost seconds).
MAX_PAIRS = 20_000
MAX_NODES = 10
TIME_LIMIT = 5.0


def milp_bound(
    a: Arrays,
    max_moves: int | None,
    moves: list[tuple[int, int]],
    time_limit: float = TIME_LIMIT,
    level: str | None = None,
) -> float:
    """The MILP's proven least imbalance (0 when too big, balancing usage, or nothing proven).

    ``moves`` (workload, host) lead to a placement the MILP starts from (any safe plan's will do).
    ``level`` ("host" or "zone") overrides the choice by size.
    """
    if a.usage is not None or len(a.zones) <= 1:
        return 0.0  # the MILP balances requests; usage balancing is another objective
    movable = int(a.movable.sum())
    if level is not None:
        pass
    elif movable * len(a.hosts) <= MAX_PAIRS:
        level = "host"
    elif movable * len(a.zones) <= MAX_PAIRS:
        level = "zone"
    else:
        return 0.0
    milp = build_milp(a, max_moves, level=level)
    cost = np.zeros(len(milp.model.cost))
    cost[milp.t] = 1.0
    h = milp.model.solve(cost, time_limit, placement_start(a, milp, moves), max_nodes=MAX_NODES)
    dual = float(h.getInfo().mip_dual_bound)
    if not np.isfinite(dual):
        return 0.0
    # the solver's tolerances (1e-7 feasibility, 1e-9 absolute gap) must not turn a bound into a claim
    return max(0.0, dual - 1e-6)
