"""The rebalancing MILP over final placements (HiGHS), shared by the exact strategy and the bound.

Integer columns ``x[c, b]`` count the movable workloads of each class placed on a bin (one workload
a class, or with ``merge`` classes of interchangeable ones, :mod:`scheduler.planning.symmetry`, an
exact reformulation): a host
(``level="host"``) or, a relaxation, a whole zone; ``t`` bounds every resource's spread of zone
utilization; optionally, integer columns hold each zone's movable load in units (a valid cut: every
movable request is a whole number of units, see :meth:`Milp.lattice_bound`). Every constraint
is one that any safe sequence of moves must satisfy at its end (hosts and quotas no fuller than
allowed, replica groups no narrower and never two replicas on one host, at most ``max_moves``
moves), so the solver's dual bound on ``t`` is a proven lower bound for the real problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from scheduler.model.resource import memory_index
from scheduler.planning.arrays import Arrays
from scheduler.planning.solver import quiet_highs
from scheduler.planning.symmetry import Classes, split, workload_classes

INF = highspy.kHighsInf


@dataclass
class Model:
    """Rows and columns collected before handing them to HiGHS."""

    cost: list[float]
    lower: list[float]
    upper: list[float]
    integer: list[int]
    rows: list[tuple[float, float, list[int], list[float]]]

    def col(self, lower: float, upper: float, *, integer: bool = False) -> int:
        self.cost.append(0.0)
        self.lower.append(lower)
        self.upper.append(upper)
        if integer:
            self.integer.append(len(self.cost) - 1)
        return len(self.cost) - 1

    def row(self, lower: float, upper: float, cols: list[int], values: list[float]) -> None:
        if cols:
            self.rows.append((lower, upper, cols, values))

    def solve(
        self,
        cost: np.ndarray,
        time_limit: float,
        start: dict[int, float] | None = None,
        *,
        max_nodes: int | None = None,
        heuristics: bool | None = None,
        tolerance: float | None = None,
    ) -> highspy.Highs:
        """Minimise ``cost``; with ``max_nodes`` the branch and bound stops there (deterministically)
        and, unless ``heuristics``, without primal heuristics (when only the dual bound is wanted);
        ``tolerance`` tightens the primal and integrality feasibility tolerances (1e-7 and 1e-6)."""
        h = quiet_highs(time_limit)
        h.setOptionValue("mip_rel_gap", 1e-7)
        h.setOptionValue("mip_abs_gap", 1e-9)
        if tolerance is not None:
            h.setOptionValue("primal_feasibility_tolerance", tolerance)
            h.setOptionValue("mip_feasibility_tolerance", tolerance)
        if max_nodes is not None:
            h.setOptionValue("mip_max_nodes", int(max_nodes))
            if not heuristics:
                h.setOptionValue("mip_heuristic_effort", 0.0)
        n = len(self.cost)
        no_entries = np.array([], dtype=np.int32)
        h.addCols(n, cost, np.array(self.lower), np.array(self.upper), 0, no_entries, no_entries, [])
        if self.integer:
            idx = np.array(self.integer, dtype=np.int32)
            h.changeColsIntegrality(idx.size, idx, np.full(idx.size, highspy.HighsVarType.kInteger))
        starts, index, value = [], [], []
        for _, _, cols, vals in self.rows:
            starts.append(len(index))
            index.extend(cols)
            value.extend(vals)
        h.addRows(
            len(self.rows),
            np.array([r[0] for r in self.rows]),
            np.array([r[1] for r in self.rows]),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.array(value),
        )
        if start:
            # a known feasible point (the heuristic's placement, or phase 1's answer) to start from
            idx = np.array(sorted(start), dtype=np.int32)
            h.setSolution(idx.size, idx, np.array([start[i] for i in idx.tolist()]))
        h.run()
        return h


@dataclass(frozen=True)
class Milp:
    model: Model
    x: dict[tuple[int, int], int]  # (workload, bin) -> column
    bin_zone: np.ndarray  # zone of each bin
    t: int
    moves_cost: np.ndarray  # phase-2 objective over columns
    classes: Classes  # the workloads each representative in ``x`` stands for
    cur_bin: np.ndarray  # (W,) each workload's bin before any move
    loads: tuple[int, ...]  # integer columns: movable load of each zone and resource, in units

    def lattice_bound(self, time_limit: float, max_nodes: int) -> tuple[float, bool]:
        """A proven lower bound on ``t``: this MILP (built with ``lattice``) with only the zone loads
        kept whole.

        Workloads may be split, but each zone's movable load stays a whole number of units (every
        movable request is a multiple of the unit). On inventories of few VM sizes the imbalance is
        decided by that granularity: this small MILP usually proves the optimum outright. Returns the
        bound and whether the time limit (not ``max_nodes``) stopped the search.
        """
        cost = np.zeros(len(self.model.cost))
        cost[self.t] = 1.0
        relaxed = Model(
            self.model.cost, self.model.lower, self.model.upper, list(self.loads), self.model.rows
        )
        # tight tolerances: at HiGHS's defaults the utilization rows may be violated by ~1e-6, which
        # left the bound that much below the discrete value it proves (0.0078115 for 1/128)
        h = relaxed.solve(cost, time_limit, max_nodes=max_nodes, tolerance=1e-9)
        dual = float(h.getInfo().mip_dual_bound)
        timed_out = h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
        return (dual if np.isfinite(dual) else 0.0), timed_out

    def placement(self, a: Arrays, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(target zone, target host or -1 at zone level) of every workload in a solution's ``values``.

        A class's members leave the fullest hosts first (see :func:`symmetry.split`).
        """
        zone = a.host_zone[a.host_of].copy()
        host = np.full(len(a.workloads), -1)
        host_level = self.bin_zone is a.host_zone
        fill = (a.host_load(a.host_of) / np.where(a.host_cap > 0, a.host_cap, 1.0)).max(axis=1)
        for members in self.classes.members:
            w0 = members[0]
            cur = int(self.cur_bin[w0])
            counts = {}
            for b in range(len(self.bin_zone)):
                c = self.x.get((w0, b))
                if c is not None and values[c] > 0.5:
                    counts[b] = round(float(values[c]))
            for w, b in split(members, counts, cur, fill[a.host_of]).items():
                if b != cur:
                    zone[w] = self.bin_zone[b]
                    host[w] = b if host_level else -1
        return zone, host


def build_milp(
    a: Arrays,
    max_moves: int | None,
    *,
    level: str,
    merge: bool = False,
    strict: bool = False,
    lattice: bool = False,
) -> Milp:
    """The MILP with hosts as bins (``level="host"``) or, a relaxation, whole zones as bins.

    With ``merge`` interchangeable workloads share count columns (:mod:`symmetry`, exact; measured
    no faster on the medium set, where most classes hold one workload, so off by default). With
    ``strict`` (hosts only), a restriction: what arrives on a host or in a tenant's zone must fit in
    the room there before anything leaves, so the moves are safe in any order (no swaps; its bound
    proves nothing). With ``lattice``, integer columns hold each zone's movable load in units (for
    :meth:`Milp.lattice_bound`).
    """
    m = Model([], [], [], [], [])
    n_z, n_r = len(a.zones), len(a.resources)
    host_load = a.host_load(a.host_of)
    zone_cap = a.zone_cap
    fits = a.schedulable[None, :] & np.all(
        a.req[:, None, :] <= a.host_cap[None, :, :] * (1 + 1e-9) + 1e-9, axis=2
    )  # (W, H): could ever arrive there
    # A host ends no fuller than its capacity or its starting load, whichever is more.
    host_limit = np.maximum(a.host_cap, host_load)
    if level == "host":
        bin_zone, cur_bin, limit = a.host_zone, a.host_of, host_limit
        can = fits & a.allowed[:, a.host_zone]
    else:
        bin_zone = np.arange(n_z)
        cur_bin = a.host_zone[a.host_of]
        limit = np.zeros((n_z, n_r))
        np.add.at(limit, a.host_zone, host_limit)
        reach = np.zeros((len(a.workloads), n_z), dtype=bool)
        for z in range(n_z):
            reach[:, z] = fits[:, a.host_zone == z].any(axis=1)
        can = reach & a.allowed
    n_b = len(bin_zone)
    fixed_zone = np.zeros((n_z, n_r))
    fixed_bin = np.zeros((n_b, n_r))
    for w in np.flatnonzero(~a.movable):
        fixed_zone[bin_zone[cur_bin[w]]] += a.req[w]
        fixed_bin[cur_bin[w]] += a.req[w]
    groups = workload_classes(a, cur_bin, can, merge=merge)
    size = np.zeros(len(a.workloads), dtype=np.int64)  # members a representative stands for
    x: dict[tuple[int, int], int] = {}  # (representative workload, bin) -> column of its count
    by_bin: dict[int, list[tuple[int, int]]] = {}
    for members in groups.members:
        w, n = members[0], len(members)
        size[w] = n
        cur = int(cur_bin[w])
        cols = []
        for b in np.flatnonzero(can[w]).tolist() + ([cur] if not can[w, cur] else []):
            x[(w, int(b))] = c = m.col(0.0, float(n), integer=True)
            cols.append(c)
            by_bin.setdefault(int(b), []).append((w, c))
        m.row(float(n), float(n), cols, [1.0] * len(cols))
    # bins: no fuller than allowed
    if strict:  # the load a host starts with, plus what arrives, within its capacity
        full = np.any(host_load > a.host_cap + 1e-9, axis=1)
        fixed_bin = np.where(full[:, None], np.inf, host_load)
        limit = a.host_cap
        by_bin = {b: [(w, c) for w, c in entries if cur_bin[w] != b] for b, entries in by_bin.items()}
    for b, entries in by_bin.items():
        room = np.maximum(0.0, limit[b] - fixed_bin[b]) if strict else limit[b] - fixed_bin[b]
        for r in range(n_r):
            nz = [(c, float(a.req[w, r]), size[w]) for w, c in entries if a.req[w, r] > 0]
            if nz and sum(v * n for _, v, n in nz) > room[r] + 1e-9:
                m.row(-INF, float(room[r]), [c for c, _, _ in nz], [v for _, v, _ in nz])
    # quotas: no higher in any zone than the quota, or than it already is
    use = a.tenant_use(a.host_of)
    by_tenant_zone: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for (w, b), c in x.items():
        if a.tenant[w] >= 0 and not (strict and bin_zone[b] == a.host_zone[a.host_of[w]]):
            by_tenant_zone.setdefault((int(a.tenant[w]), int(bin_zone[b])), []).append((w, c))
    pinned_use = np.zeros_like(use)
    for w in np.flatnonzero(~a.movable & (a.tenant >= 0)):
        pinned_use[a.tenant[w], a.host_zone[a.host_of[w]]] += a.req[w]
    for (t, z), entries in by_tenant_zone.items():
        for r in range(n_r):
            cap = a.quota[t, z, r]
            if not np.isfinite(cap):
                continue
            room = max(0.0, cap - use[t, z, r]) if strict else max(cap, use[t, z, r]) - pinned_use[t, z, r]
            nz = [(c, float(a.req[w, r]), size[w]) for w, c in entries if a.req[w, r] > 0]
            if nz and sum(v * n for _, v, n in nz) > room + 1e-9:
                m.row(-INF, float(room), [c for c, _, _ in nz], [v for _, v, _ in nz])
    # replica groups: one replica per host (unless already stacked), never fewer zones
    for g in range(len(a.groups)):
        members = np.flatnonzero(a.group == g)
        start_zones = {int(a.host_zone[a.host_of[w]]) for w in members}
        pinned = [w for w in members if not a.movable[w]]
        pinned_zones = {int(a.host_zone[a.host_of[w]]) for w in pinned}
        per_bin: dict[int, list[int]] = {}
        per_zone: dict[int, list[int]] = {}
        for (w, b), c in x.items():
            if a.group[w] == g:
                per_bin.setdefault(b, []).append(c)
                per_zone.setdefault(int(bin_zone[b]), []).append(c)
        if level == "host":
            for h, cols in per_bin.items():
                already = int(np.sum(a.host_of[members] == h))
                stuck = sum(1 for w in pinned if a.host_of[w] == h)
                m.row(-INF, float(max(1, already) - stuck), cols, [1.0] * len(cols))
        y_cols = []
        for z in range(n_z):
            if z in pinned_zones:
                y_cols.append(m.col(1.0, 1.0))
            elif z in per_zone:
                y = m.col(0.0, 1.0, integer=True)
                y_cols.append(y)
                m.row(-INF, 0.0, [y, *per_zone[z]], [1.0] + [-1.0] * len(per_zone[z]))
        m.row(float(len(start_zones)), INF, y_cols, [1.0] * len(y_cols))
        if len(start_zones) == members.size and members.size <= ORDERED_GROUP_REPLICAS:
            _acyclic_lone_replicas(
                m,
                members,
                zone_now=a.host_zone[a.host_of[members]],
                pinned=pinned_zones,
                per_zone=per_zone_of(x, members, bin_zone),
            )
    # spread of utilization per resource
    t_col = m.col(0.0, INF)
    loads: list[int] = []
    for r in range(n_r):
        zones = [z for z in range(n_z) if zone_cap[z, r] > 0]
        if len(zones) < 2:
            continue
        lo, hi = m.col(-INF, INF), m.col(-INF, INF)
        m.row(-INF, 0.0, [hi, lo, t_col], [1.0, -1.0, -1.0])
        terms: dict[int, tuple[list[int], list[float]]] = {z: ([], []) for z in zones}
        for (w, b), c in x.items():
            z = int(bin_zone[b])
            if z in terms and a.req[w, r] > 0:
                terms[z][0].append(c)
                terms[z][1].append(float(a.req[w, r]))
        unit = load_unit(a.req[a.movable, r]) if lattice else None
        if unit is not None and unit < FINEST_UNIT * zone_cap[zones, r].min():
            unit = None  # a grain this fine cannot decide an imbalance: no columns for it
        for z in zones:
            cols, amounts = terms[z]
            vals = [v / zone_cap[z, r] for v in amounts]
            base = float(fixed_zone[z, r] / zone_cap[z, r])
            if unit is not None and cols:
                # the movable load of a zone is a whole number of units (see lattice_bound)
                k = m.col(0.0, INF, integer=True)
                loads.append(k)
                m.row(0.0, 0.0, [*cols, k], [*(v / unit for v in amounts), -1.0])
            m.row(-INF, -base, [*cols, hi], [*vals, -1.0])  # util <= hi
            m.row(-base, INF, [*cols, lo], [*vals, -1.0])  # util >= lo
    # moves: 1 - x[w, current bin]
    reps = [members[0] for members in groups.members]
    stay = [x[(w, int(cur_bin[w]))] for w in reps]
    if max_moves is not None:
        m.row(float(int(a.movable.sum()) - max_moves), INF, stay, [1.0] * len(stay))
    memory = memory_weights(a)
    total = float(memory[a.movable].sum()) or 1.0
    moves_cost = np.zeros(len(m.cost))
    for w, c in zip(reps, stay, strict=True):
        # minimising -(1 + mem / 2 total) per workload that stays: fewest moves, then least memory
        moves_cost[c] = -(1.0 + 0.5 * memory[w] / total)
    return Milp(m, x, bin_zone, t_col, moves_cost, groups, cur_bin, tuple(loads))


# Groups of up to this many replicas, each alone in its zone, get the ordering rows (k (k - 1) each).
ORDERED_GROUP_REPLICAS = 32


def per_zone_of(
    x: dict[tuple[int, int], int], members: np.ndarray, bin_zone: np.ndarray
) -> dict[tuple[int, int], list[int]]:
    """(member, zone) -> the member's columns in that zone."""
    wanted = set(members.tolist())
    out: dict[tuple[int, int], list[int]] = {}
    for (w, b), c in x.items():
        if w in wanted:
            out.setdefault((w, int(bin_zone[b])), []).append(c)
    return out


def _acyclic_lone_replicas(
    m: Model,
    members: np.ndarray,
    *,
    zone_now: np.ndarray,
    pinned: set[int],
    per_zone: dict[tuple[int, int], list[int]],
) -> None:
    """Rows every safe plan's end state keeps for a group whose replicas are each alone in a zone.

    Such a group never holds two replicas in one zone: a replica may only move into a zone without
    one (moving into an occupied zone would empty its own, and the group may not shrink), so no zone
    gains a second. And the zone-to-zone moves must come in an order in which each target zone has
    been vacated first, which with every workload moving at most once (rule 5) means the moves form
    no cycle: a swap or rotation of lone replicas is impossible in any order. With a time ``tau`` per
    replica, a replica moving into the zone of another moves after it: ``tau_w >= tau_v + 1`` when
    ``x[w, zone(v)]``, big-M ``k`` otherwise. A group spanning every zone it may use cannot move at
    all, and the MILP now knows it. ``pinned``: the zones of replicas that cannot move (they have no
    columns: their zone is full for the rest of the group)."""
    k = members.size
    for z in sorted({z for _, z in per_zone}):
        cols = [c for w in members.tolist() for c in per_zone.get((w, z), [])]
        room = 0.0 if z in pinned else 1.0
        if len(cols) > room:
            m.row(-INF, room, cols, [1.0] * len(cols))
    tau = {w: m.col(0.0, float(k - 1)) for w in members.tolist()}
    for w, v_zone, v in (
        (w, int(zv), v)
        for w in members.tolist()
        for v, zv in zip(members.tolist(), zone_now, strict=True)
        if v != w
    ):
        cols = per_zone.get((w, v_zone), [])
        if cols:  # tau_w - tau_v - k x[w, zone(v)] >= 1 - k
            m.row(1.0 - k, INF, [tau[w], tau[v], *cols], [1.0, -1.0, *([-float(k)] * len(cols))])


# Zone-load units below this share of a zone's capacity get no integer columns (ROADEF's requests
# are whole numbers against capacities in the millions).
FINEST_UNIT = 1e-5


def load_unit(values: np.ndarray) -> float | None:
    """The largest amount every one of ``values`` is a whole multiple of (None if there is none)."""
    for scale in (1, 2, 4, 8, 10, 100, 1000):
        scaled = values * scale
        whole = np.round(scaled)
        if np.all(np.abs(scaled - whole) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            g = int(np.gcd.reduce(whole.astype(np.int64))) if whole.size else 0
            return g / scale if g > 0 else None
    return None


def memory_weights(a: Arrays) -> np.ndarray:
    """Each workload's memory request (the sum of all requests when no resource is memory)."""
    i = memory_index(a.resources)
    return a.req.sum(axis=1) if i is None else a.req[:, i]


def placement_start(a: Arrays, milp: Milp, moves: list[tuple[int, int]]) -> dict[int, float]:
    """MILP values of the placement ``moves`` lead to (its ``x`` columns)."""
    host_of = a.host_of.copy()
    for w, h in moves:
        host_of[w] = h
    host_level = milp.bin_zone is a.host_zone
    target = host_of if host_level else a.host_zone[host_of]
    start = dict.fromkeys(milp.x.values(), 0.0)
    for members in milp.classes.members:
        for w in members:
            c = milp.x.get((members[0], int(target[w])))
            if c is None:
                return {}  # the placement is outside the MILP (should not happen): no start
            start[c] += 1.0
    return start
