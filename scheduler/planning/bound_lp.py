"""A stronger proven lower bound: one LP over fractional zone assignments, all resources together.

Each movable workload is split (fractionally) over the zones it may enter and could fit in: residency
allows it, and some receiving host of the zone can hold its request in every resource beside that
host's unmovable load. Unmovable load stays put; a zone's load can never exceed what its receiving
hosts can hold plus what the others already hold (they only shed); at most ``max_moves`` workloads
leave their zone (the fractions that leave count). Unlike the per-resource interval bound, a workload
carries all its resources to the same zone, so differently shaped zones and workloads show. Dropping
integrality, hosts (beyond fitting), quotas, groups and ordering only relaxes the problem: the LP
optimum is a proof, never a claim.
"""

from __future__ import annotations

import highspy
import numpy as np

from scheduler.planning.arrays import Arrays
from scheduler.planning.solver import quiet_highs

# Above this many (workload, zone) columns the LP is skipped (the interval bound alone is used).
MAX_COLUMNS = 20_000
TIME_LIMIT = 5.0


def _fits(a: Arrays, host_load_fixed: np.ndarray, receiving: np.ndarray) -> np.ndarray:
    """(W, Z): whether some receiving host of zone z could hold workload w beside its fixed load."""
    n_w, n_z = a.req.shape[0], len(a.zones)
    out = np.zeros((n_w, n_z), dtype=bool)
    room = a.host_cap - host_load_fixed
    for h in np.flatnonzero(receiving):
        out[:, a.host_zone[h]] |= np.all(a.req <= room[h] + 1e-9, axis=1)
    return out


def assignment_bound(a: Arrays, max_moves: int | None = None) -> float:
    """The LP's least imbalance (0 when it is too big, not solved, or nothing can move)."""
    n_w, n_z, n_r = a.req.shape[0], len(a.zones), len(a.resources)
    if n_z <= 1 or n_w == 0 or int(a.movable.sum()) > MAX_COLUMNS:
        return 0.0  # (every mover has at least its own zone's column: too big before any work)
    host_of = a.host_of
    zone_now = a.host_zone[host_of]
    host_load = a.host_load(host_of)
    over = np.any(host_load > a.host_cap * (1 + 1e-9) + 1e-9, axis=1)
    receiving = a.schedulable & ~over
    fixed_host = np.zeros_like(host_load)
    np.add.at(fixed_host, host_of[~a.movable], a.req[~a.movable])
    cap = a.zone_cap
    # a zone's most: receiving hosts full, the others as they are now
    most = np.zeros_like(cap)
    np.add.at(most, a.host_zone, np.where(receiving[:, None], a.host_cap, host_load))
    fixed_zone = np.zeros_like(cap)
    np.add.at(fixed_zone, zone_now[~a.movable], a.req[~a.movable])

    may = a.allowed & _fits(a, fixed_host, receiving)
    movers = np.flatnonzero(a.movable)
    may[movers, zone_now[movers]] = True
    cols_w, cols_z = np.nonzero(may[movers])
    cols_w = movers[cols_w]
    n_x = cols_w.size
    if n_x > MAX_COLUMNS or n_x == movers.size:  # too big, or nothing can change zone
        return 0.0
    has = cap > 0  # (Z, R): zones counted for r
    inv_cap = np.divide(1.0, cap, out=np.zeros_like(cap), where=has)
    pairs = np.argwhere(has)  # (k, 2) of (z, r): one utilization variable each
    n_u = len(pairs)
    u_index = -np.ones((n_z, n_r), dtype=np.int64)
    u_index[pairs[:, 0], pairs[:, 1]] = np.arange(n_u)

    inf = highspy.kHighsInf
    h = quiet_highs(TIME_LIMIT)
    # rows: [assignment per mover][definition of u per (z, r)][m_r <= u][u <= M_r][M_r - m_r <= t][moves]
    row_assign = 0
    row_def = row_assign + movers.size
    row_lo = row_def + n_u
    row_hi = row_lo + n_u
    row_t = row_hi + n_u
    row_moves = row_t + n_r
    n_rows = row_moves + 1
    mover_row = np.full(n_w, -1, dtype=np.int64)
    mover_row[movers] = np.arange(movers.size)
    rl = np.full(n_rows, -inf)
    ru = np.full(n_rows, inf)
    rl[row_assign:row_def] = 1.0
    ru[row_assign:row_def] = 1.0
    fixed_u = fixed_zone[pairs[:, 0], pairs[:, 1]] * inv_cap[pairs[:, 0], pairs[:, 1]]
    rl[row_def:row_lo] = -fixed_u  # sum x req / C - u = -fixed / C
    ru[row_def:row_lo] = -fixed_u
    ru[row_lo:row_hi] = 0.0  # m_r - u <= 0
    ru[row_hi:row_t] = 0.0  # u - M_r <= 0
    ru[row_t:row_moves] = 0.0  # M_r - m_r - t <= 0
    stay = zone_now[cols_w] == cols_z
    ru[row_moves] = inf if max_moves is None else float(max_moves)
    h.addRows(n_rows, rl, ru, 0, np.zeros(n_rows, np.int32), np.zeros(0, np.int32), np.zeros(0))

    # x columns
    starts, index, value = [], [], []
    nnz = 0
    for w, z, s in zip(cols_w, cols_z, stay, strict=True):
        starts.append(nnz)
        rs = np.flatnonzero((a.req[w] > 0) & has[z])
        idx = [int(mover_row[w])] + [row_def + int(u_index[z, r]) for r in rs]
        val = [1.0] + [float(a.req[w, r] * inv_cap[z, r]) for r in rs]
        if not s:
            idx.append(row_moves)
            val.append(1.0)
        index.extend(idx)
        value.extend(val)
        nnz += len(idx)
    h.addCols(
        n_x,
        np.zeros(n_x),
        np.zeros(n_x),
        np.ones(n_x),
        nnz,
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=float),
    )
    # u columns (bounded by the zone's most), then m_r, M_r, t
    starts, index, value = [], [], []
    for k in range(n_u):
        starts.append(len(index))
        index.extend([row_def + k, row_lo + k, row_hi + k])
        value.extend([-1.0, -1.0, 1.0])
    upper_u = most[pairs[:, 0], pairs[:, 1]] * inv_cap[pairs[:, 0], pairs[:, 1]]
    h.addCols(
        n_u,
        np.zeros(n_u),
        np.zeros(n_u),
        upper_u,
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=float),
    )
    starts, index, value = [], [], []
    for r in range(n_r):  # m_r
        starts.append(len(index))
        ks = np.flatnonzero(pairs[:, 1] == r)
        index.extend([*(row_lo + ks).tolist(), row_t + r])
        value.extend([1.0] * ks.size + [-1.0])
    for r in range(n_r):  # M_r
        starts.append(len(index))
        ks = np.flatnonzero(pairs[:, 1] == r)
        index.extend([*(row_hi + ks).tolist(), row_t + r])
        value.extend([-1.0] * ks.size + [1.0])
    starts.append(len(index))  # t
    index.extend(range(row_t, row_t + n_r))
    value.extend([-1.0] * n_r)
    cost = np.zeros(2 * n_r + 1)
    cost[-1] = 1.0
    h.addCols(
        2 * n_r + 1,
        cost,
        np.full(2 * n_r + 1, -inf),
        np.full(2 * n_r + 1, inf),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=float),
    )
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return 0.0
    # the solver's tolerances (1e-7 feasibility) must not turn a bound into a claim: give back 1e-6
    return max(0.0, float(h.getInfo().objective_function_value) - 1e-6)
