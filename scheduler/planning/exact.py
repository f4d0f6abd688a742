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
from scheduler.model.resource import memory_index
from scheduler.planning.arrays import Arrays
from scheduler.planning.descent import measure
from scheduler.planning.heuristic import heuristic_moves
from scheduler.planning.outcome import finish
from scheduler.planning.placement import PlacementState
from scheduler.planning.problem import Problem
from scheduler.planning.solver import quiet_highs

NAME = "exact"
INF = highspy.kHighsInf
# Workload x bin pairs above which a MILP level is not even built (memory and time would explode).
MAX_PLACEMENTS = 400_000


@dataclass
class _Model:
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
        self, cost: np.ndarray, time_limit: float, start: dict[int, float] | None = None
    ) -> highspy.Highs:
        h = quiet_highs(time_limit)
        h.setOptionValue("mip_rel_gap", 1e-7)
        h.setOptionValue("mip_abs_gap", 1e-9)
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
class _Milp:
    model: _Model
    x: dict[tuple[int, int], int]  # (workload, bin) -> column
    bin_zone: np.ndarray  # zone of each bin
    t: int
    moves_cost: np.ndarray  # phase-2 objective over columns


def _build(a: Arrays, max_moves: int | None, *, level: str) -> _Milp:
    """The MILP with hosts as bins (``level="host"``) or, a relaxation, whole zones as bins."""
    m = _Model([], [], [], [], [])
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
    x: dict[tuple[int, int], int] = {}
    by_bin: dict[int, list[tuple[int, int]]] = {}
    movable = np.flatnonzero(a.movable)
    for w in movable:
        cur = int(cur_bin[w])
        cols = []
        for b in np.flatnonzero(can[w]).tolist() + ([cur] if not can[w, cur] else []):
            x[(int(w), int(b))] = c = m.col(0.0, 1.0, integer=True)
            cols.append(c)
            by_bin.setdefault(int(b), []).append((int(w), c))
        m.row(1.0, 1.0, cols, [1.0] * len(cols))
    # bins: no fuller than allowed
    for b, entries in by_bin.items():
        room = limit[b] - fixed_bin[b]
        for r in range(n_r):
            nz = [(c, float(a.req[w, r])) for w, c in entries if a.req[w, r] > 0]
            if nz and sum(v for _, v in nz) > room[r] + 1e-9:
                m.row(-INF, float(room[r]), [c for c, _ in nz], [v for _, v in nz])
    # quotas: no higher in any zone than the quota, or than it already is
    use = a.tenant_use(a.host_of)
    by_tenant_zone: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for (w, b), c in x.items():
        if a.tenant[w] >= 0:
            by_tenant_zone.setdefault((int(a.tenant[w]), int(bin_zone[b])), []).append((w, c))
    pinned_use = np.zeros_like(use)
    for w in np.flatnonzero(~a.movable & (a.tenant >= 0)):
        pinned_use[a.tenant[w], a.host_zone[a.host_of[w]]] += a.req[w]
    for (t, z), entries in by_tenant_zone.items():
        for r in range(n_r):
            cap = a.quota[t, z, r]
            if not np.isfinite(cap):
                continue
            room = max(cap, use[t, z, r]) - pinned_use[t, z, r]
            nz = [(c, float(a.req[w, r])) for w, c in entries if a.req[w, r] > 0]
            if nz and sum(v for _, v in nz) > room + 1e-9:
                m.row(-INF, float(room), [c for c, _ in nz], [v for _, v in nz])
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
    # spread of utilization per resource
    t_col = m.col(0.0, INF)
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
                terms[z][1].append(float(a.req[w, r] / zone_cap[z, r]))
        for z in zones:
            cols, vals = terms[z]
            base = float(fixed_zone[z, r] / zone_cap[z, r])
            m.row(-INF, -base, [*cols, hi], [*vals, -1.0])  # util <= hi
            m.row(-base, INF, [*cols, lo], [*vals, -1.0])  # util >= lo
    # moves: 1 - x[w, current bin]
    stay = [x[(int(w), int(cur_bin[w]))] for w in movable]
    if max_moves is not None:
        m.row(float(len(stay) - max_moves), INF, stay, [1.0] * len(stay))
    memory = _memory(a)
    total = float(memory[movable].sum()) or 1.0
    moves_cost = np.zeros(len(m.cost))
    for w, c in zip(movable, stay, strict=True):
        # minimising -(1 + mem / 2 total) per workload that stays: fewest moves, then least memory
        moves_cost[c] = -(1.0 + 0.5 * memory[w] / total)
    return _Milp(m, x, bin_zone, t_col, moves_cost)


def _memory(a: Arrays) -> np.ndarray:
    """Each workload's memory request (the sum of all requests when no resource is memory)."""
    i = memory_index(a.resources)
    return a.req.sum(axis=1) if i is None else a.req[:, i]


def _targets(a: Arrays, milp: _Milp, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(target zone, preferred host or -1) of every workload in a MILP solution."""
    zone = a.host_zone[a.host_of].copy()
    host = np.full(len(a.workloads), -1)
    host_level = len(milp.bin_zone) == len(a.hosts) and milp.bin_zone is a.host_zone
    for (w, b), c in milp.x.items():
        if values[c] > 0.5:
            zone[w] = milp.bin_zone[b]
            host[w] = b if host_level else -1
    return zone, host


def order_moves(a: Arrays, zone: np.ndarray, host: np.ndarray) -> tuple[list[tuple[int, int]], list[int]]:
    """A safe order of the moves that bring every workload to its target ``zone``.

    Each move goes to its preferred ``host`` when that is safe at the time, else to the emptiest safe
    host of the zone. Returns the ordered moves and the workloads left without any safe turn.
    """
    state = PlacementState(a)
    pending = [int(w) for w in np.flatnonzero(zone != a.host_zone[a.host_of])]
    done: list[tuple[int, int]] = []
    progress = True
    while pending and progress:
        progress = False
        for w in list(pending):
            prefer = int(host[w]) if host[w] >= 0 else None
            h = state.pick_host(w, int(zone[w]), prefer=prefer)
            if h >= 0:
                state.apply(w, h)
                done.append((w, h))
                pending.remove(w)
                progress = True
    return done, pending


@dataclass(frozen=True)
class _Outcome:
    moves: list[tuple[int, int]]
    stuck: list[int]
    best_t: float  # the MILP's imbalance (of a placement, before ordering)
    dual_bound: float
    proven: bool  # phase 1 solved to optimality


def _start(a: Arrays, milp: _Milp, moves: list[tuple[int, int]]) -> dict[int, float]:
    """MILP values of the placement ``moves`` lead to (its ``x`` columns)."""
    host_of = a.host_of.copy()
    for w, h in moves:
        host_of[w] = h
    host_level = milp.bin_zone is a.host_zone
    target = host_of if host_level else a.host_zone[host_of]
    return {c: float(target[w] == b) for (w, b), c in milp.x.items()}


def _solve(
    a: Arrays, max_moves: int | None, level: str, deadline: float, warm: list[tuple[int, int]]
) -> _Outcome | None:
    milp = _build(a, max_moves, level=level)
    cost = np.zeros(len(milp.model.cost))
    cost[milp.t] = 1.0
    h1 = milp.model.solve(cost, max(0.05, (deadline - time.monotonic()) * 0.7), _start(a, milp, warm))
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
