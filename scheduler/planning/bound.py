"""A proven lower bound on the imbalance any safe plan can reach (the larger of two relaxations).

For each resource separately, every zone's final utilization lies in an interval: it cannot drop
below what is stuck there (pinned, residency-bound, or beyond the move limit) nor rise above what its
hosts can take in; and the total load is fixed. The least spread of utilizations within those
intervals (a tiny LP) bounds that resource's spread from below, so the largest of them bounds the
imbalance. Relaxing hosts, quotas, groups and ordering only makes the bound weaker, never wrong.
:mod:`scheduler.planning.bound_lp` adds one LP over fractional zone assignments of every resource at
once (up to a size limit); the larger of the two is returned.
"""

from __future__ import annotations

import highspy
import numpy as np

from scheduler.planning.arrays import Arrays
from scheduler.planning.bound_lp import assignment_bound
from scheduler.planning.solver import quiet_highs


def _top_sum(values: np.ndarray, k: int | None) -> float:
    if k is None or k >= values.size:
        return float(values.sum())
    if k <= 0:
        return 0.0
    return float(np.partition(values, values.size - k)[values.size - k :].sum())


def min_spread(lo: np.ndarray, hi: np.ndarray, cap: np.ndarray, total: float) -> float:
    """min (max u - min u) subject to lo <= u <= hi and sum(cap * u) = total (0 if infeasible)."""
    n = lo.size
    if n <= 1:
        return 0.0
    h = quiet_highs()
    inf = highspy.kHighsInf
    # columns: u_0..u_{n-1}, m, M ; minimise M - m
    cost = np.concatenate([np.zeros(n), [-1.0, 1.0]])
    lower = np.concatenate([lo, [-inf, -inf]])
    upper = np.concatenate([hi, [inf, inf]])
    h.addCols(n + 2, cost, lower, upper, 0, np.array([], dtype=np.int32), np.array([], dtype=np.int32), [])
    m_col, big_col = n, n + 1
    for z in range(n):
        # m - u_z <= 0 and u_z - M <= 0
        h.addRow(-inf, 0.0, 2, np.array([m_col, z], dtype=np.int32), np.array([1.0, -1.0]))
        h.addRow(-inf, 0.0, 2, np.array([z, big_col], dtype=np.int32), np.array([1.0, -1.0]))
    h.addRow(total, total, n, np.arange(n, dtype=np.int32), cap.astype(float))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return 0.0
    return max(0.0, float(h.getInfo().objective_function_value))


def zone_lower_bound(arrays: Arrays, max_moves: int | None = None) -> float:
    """A proven lower bound on the imbalance reachable with at most ``max_moves`` safe moves."""
    a = arrays
    host_of = a.host_of
    zone_now = a.host_zone[host_of]
    zone_cap = a.zone_cap
    zone_load = a.zone_load(host_of)
    host_load = a.host_load(host_of)
    over = np.any(host_load > a.host_cap * (1 + 1e-9) + 1e-9, axis=1)
    receiving = a.schedulable & ~over
    room = np.zeros_like(zone_cap)
    np.add.at(room, a.host_zone[receiving], np.maximum(0.0, a.host_cap - host_load)[receiving])
    movable = a.movable
    n_allowed = a.allowed.sum(axis=1)
    best = 0.0
    for r in range(len(a.resources)):
        has = zone_cap[:, r] > 0
        req = a.balance[:, r]
        if np.any((req > 0) & ~has[zone_now]):
            continue  # load sits where there is no capacity for it: leave r out of the bound
        zones = np.flatnonzero(has)
        lo = np.empty(zones.size)
        hi = np.empty(zones.size)
        for i, z in enumerate(zones):
            here = zone_now == z
            elsewhere = n_allowed - a.allowed[:, z] > 0  # some other zone is allowed
            leaving = req[here & movable & elsewhere]
            coming = req[~here & movable & a.allowed[:, z]]
            out = _top_sum(leaving, max_moves)
            into = _top_sum(coming, max_moves)
            if a.usage is None:  # room is in requests: it caps what may come only when balancing them
                into = min(into, room[z, r])
            lo[i] = (zone_load[z, r] - out) / zone_cap[z, r]
            hi[i] = (zone_load[z, r] + into) / zone_cap[z, r]
        spread = min_spread(lo, hi, zone_cap[zones, r], float(zone_load[zones, r].sum()))
        best = max(best, spread)
    # LP round-off must not turn a bound into a claim: give back a hair.
    if a.usage is not None:
        return max(0.0, best - 1e-9)  # the assignment LP measures requests, not the usage balanced here
    # The assignment LP (all resources together, integral fits) is stronger where it is affordable.
    return max(0.0, best - 1e-9, assignment_bound(a, max_moves))
