"""The fast planner: steepest descent over single moves (batched at scale), then replica swaps.

Objective, in order: zone imbalance (max spread), then the squared distance of every zone from the
mean utilization (which lets the search walk across plateaus of the max), then moved memory. Every move
is allowed in the state it is made in, so the sequence is safe as found; only the prefix that reached
the lowest imbalance is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from scheduler.model.resource import memory_index
from scheduler.planning.arrays import Arrays
from scheduler.planning.budget import Budget, Search, measure
from scheduler.planning.placement import PlacementState
from scheduler.planning.rounds import BLOCK_ROWS, Scored, View, score_block, zone_pairs
from scheduler.planning.scoring import Extremes, Judge, extreme_moves, extreme_zones, swap_scores
from scheduler.planning.stepwise import Stepwise

EPS = 1e-12
# Above this many movable workloads, moves are taken in batches from one scoring pass.
BATCH_ABOVE = 3000
# At scale: candidates kept per zone pair and round, consecutive misses before a pair is set aside
# for the round, and the gain over three rounds below which the search is done.
PER_PAIR = 4000
PER_PAIR_MIN = 64
# At scale each zone is paired with at most this many zones on the other side of the mean per round.
BATCH_PARTNERS = 6
# A batched round that takes fewer moves than this is followed by narrow ones (_extreme_candidates).
NARROW_BELOW = 32
# ... with more zones than this (with few, a full round is cheap and the tail gains little).
TAIL_ABOVE_ZONES = 12
PAIR_PATIENCE = 40
# Candidates are filtered (pairs set aside, workloads moved) this many at a time.
TAKE_CHUNK = 256
# ... and judged against the current state this many at a time (again after each move made).
LOOK_AHEAD = 32
JUDGE_ALONE = 3  # (the first few after each move are judged one at a time: a block costs more)
PATIENCE_PER_ROUND = 4000
SCALE_TOLERANCE = 1e-4
# Pair swaps are searched only below this many movable workloads (quadratic neighbourhood).
SWAPS_BELOW = 1500
# ... among at most this many of the biggest workloads on each side of a zone pair.
SWAP_SIDE = 120
# ... over every zone pair up to this many zones; beyond, only pairs that can matter (_swap_pairs).
SWAP_ALL_ZONES = 8
# The normal stopping rule is work, not time (goal 8: the same inventory gives the same plan on any
# machine): candidate evaluations (one workload scored against one destination zone, or one pair of
# workloads scored as a swap) up to this many per movable workload and zone, and at least WORK_FLOOR.
WORK_PER_WORKLOAD_ZONE = 1_000
WORK_FLOOR = 2_000_000


def work_budget(n_movable: int, n_zones: int) -> int:
    """The evaluations a search may spend on an inventory of this size (deterministic)."""
    return max(WORK_FLOOR, WORK_PER_WORKLOAD_ZONE * n_movable * max(1, n_zones))


def _memory_column(arrays: Arrays) -> np.ndarray:
    """Each workload's memory request (the sum of all requests when no resource is memory)."""
    i = memory_index(arrays.resources)
    return arrays.req.sum(axis=1) if i is None else arrays.req[:, i]


class Descent:
    """Greedy improvement of a :class:`PlacementState`."""

    def __init__(
        self,
        state: PlacementState,
        *,
        max_moves: int | None,
        budget: Budget,
        progress: Callable[[float], None] | None = None,
        smooth: bool = True,
    ) -> None:
        self.s = state
        # smooth: also take moves that only bring zones nearer the mean (walks plateaus of the max,
        # at the price of more moves); without it, only moves that lower the imbalance itself.
        self.smooth = smooth
        self.a = state.a
        self.max_moves = max_moves
        self.budget = budget
        self.progress = progress
        load = state.zone_load.sum(axis=0)
        cap = state.zone_cap.sum(axis=0)
        self.ubar = np.divide(load, cap, out=np.zeros_like(load), where=cap > 0)
        self.memory = _memory_column(self.a)
        self.moves: list[tuple[int, int]] = []
        self.best_len = 0
        self._look()  # self.key: (imbalance, squared distance) now
        self.start = self.key[0]
        self.best = self.start
        self.stepwise: Stepwise | None = None  # tables of the exact (unbatched) search, on first use

    # --- bookkeeping -----------------------------------------------------------------------------
    def _limit_reached(self) -> bool:
        return self.max_moves is not None and len(self.moves) >= self.max_moves

    def _record(self, w: int, h: int) -> None:
        src = self.s.zone_of(w)
        old = int(self.s.host_of[w])
        self.s.apply(w, h)
        if self.stepwise is not None:
            self.stepwise.moved(w, old, src)
        self.moves.append((w, h))
        self._look()
        imb = self.key[0]
        if imb < self.best - EPS:
            self.best = imb
            self.best_len = len(self.moves)

    def _report(self) -> None:
        if self.progress is not None and self.start > 0:
            self.progress(min(1.0, (self.start - self.best) / self.start))

    # --- scoring ---------------------------------------------------------------------------------
    def _extreme_candidates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The moves that lower the imbalance itself, best first (the tail of a batched search, when
        flattening moves have run out): only moves touching an extreme zone, scored all at once."""
        s, a = self.s, self.a
        idx = np.flatnonzero(a.movable & ~s.moved)
        zone_of = a.host_zone[s.host_of[idx]]
        ws, zs, spent = extreme_moves(
            self.u,
            self.key[0],
            idx,
            zone_of,
            a.balance[idx],
            s.inv_cap,
            s.has,
            a.allowed[idx],
            self.memory,
            self.ubar,
            self.key[1],
            self.smooth,
        )
        self.budget.spend(spent)
        return ws, zs, a.host_zone[s.host_of[ws]]

    def _candidates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Improving (workload, zone, source zone) moves by their zone-level effect, best first: the
        best few of each zone pair of :func:`zone_pairs`, interleaved by rank so one saturated pair
        cannot stall a batch (up to PER_PAIR per pair, fewer when there are many pairs)."""
        s, a = self.s, self.a
        u = s.utilization()
        imb, q = measure(u, self.ubar)
        zone_now = a.host_zone[s.host_of]
        free = a.movable & ~s.moved
        pairs = zone_pairs(u, self.ubar, BATCH_PARTNERS)
        movers = np.flatnonzero(free)
        zones = zone_now[movers].astype(np.int32 if len(a.zones) >= 2**15 else np.int16)  # (radix sort)
        order = np.argsort(zones, kind="stable")  # zone by zone, in index order within
        cut = np.searchsorted(zones[order], np.arange(len(a.zones) + 1))
        by_zone = {z: movers[order[cut[z] : cut[z + 1]]] for z in {p for pair in pairs for p in pair}}
        per_pair = min(PER_PAIR, max(PER_PAIR_MIN, 2 * int(free.sum()) // max(1, len(pairs))))
        # misses allowed per pair: PAIR_PATIENCE, less when there are many pairs (bounded per round)
        self.patience = max(4, min(PAIR_PATIENCE, PATIENCE_PER_ROUND // max(1, len(pairs))))
        self.budget.spend(sum(by_zone[src].size for src, _ in pairs))
        view = View(u, self.ubar, imb, q, s.inv_cap, s.has, self.smooth)
        found: list[Scored] = []
        block: list[tuple[int, int]] = []
        members: list[np.ndarray] = []
        rows = 0
        for i, (src, dst) in enumerate(pairs):
            idx = by_zone[src]
            ok = a.allowed[idx, dst]
            block.append((src, dst))
            members.append(idx if ok.all() else idx[ok])
            rows += members[-1].size
            if rows >= BLOCK_ROWS or i == len(pairs) - 1:  # a block of pairs at a time (memory)
                found.extend(score_block(view, block, members, a.balance, per_pair))
                block, members, rows = [], [], 0
        if not found:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        w = np.concatenate([f.workloads for f in found])
        z = np.concatenate([np.full(f.workloads.size, f.zone) for f in found])
        ss = np.concatenate([np.full(f.workloads.size, f.source) for f in found])
        k1 = np.concatenate([f.rank for f in found])
        k2 = np.concatenate([f.new_i + f.new_q for f in found])
        order = np.lexsort((self.memory[w], k2, k1))
        return w[order], z[order], ss[order]

    def _look(self) -> None:
        """Measure the current state: the key, and what judging a move in O(R) needs (``self.judge``)."""
        u = self.s.utilization()
        self.u = u
        hi = lo = np.zeros(u.shape[1])
        dev2, ext = np.zeros(u.shape[0]), np.zeros(u.shape[0], dtype=bool)
        if u.size == 0:
            self.key = measure(u, self.ubar)
        else:  # what measure() computes, with the extremes and squares kept (the same values)
            hi = np.fmax.reduce(u, axis=0)
            lo = np.fmin.reduce(u, axis=0)
            spread = hi - lo
            dev = u - self.ubar
            dev *= dev
            if self.s.holes:
                spread = np.nan_to_num(spread, nan=0.0)
                dev[np.isnan(dev)] = 0.0
            self.key = (float(spread.max()), float(dev.sum()))
            dev2 = dev.sum(axis=1)
            ext = extreme_zones(u, self.key[0], hi, lo, spread)
        s = self.s
        self.judge = Judge(u, self.ubar, hi, lo, dev2, ext, s.inv_cap, s.has, self.key, self.smooth)

    # --- single moves ----------------------------------------------------------------------------
    def exact_moves(self) -> bool:
        """Best improving single moves, one at a time, until none is left. True when anything moved."""
        moved_any = False
        while not self._limit_reached() and not self.budget.exhausted():
            if self.stepwise is None:
                self.stepwise = Stepwise(self.s, self.ubar, self.budget.spend)
            for w, dst in self.stepwise.ranked(self.key, self.memory, self.smooth):
                h = self.s.pick_host(w, dst)
                if h >= 0:
                    self._record(w, h)
                    self._report()
                    moved_any = True
                    break
            else:
                break
        return moved_any

    def single_moves(self, batch: bool) -> bool:
        """Rounds of improving single moves until none is left. True when anything moved."""
        if not batch:
            return self.exact_moves()
        moved_any = False
        history: list[float] = []
        narrow, tail_left, tail_from = False, True, self.best
        while not self._limit_reached() and not self.budget.exhausted():
            ws, zs, ss = self._extreme_candidates() if narrow else self._candidates()
            accepted = self._take(ws, zs, ss, narrow)
            self._report()
            if not accepted and not narrow:
                break
            moved_any = moved_any or accepted > 0
            if narrow:
                # one move at a time (see below) until none is left, then full rounds again, and
                # another tail later only if this one gained
                narrow = accepted > 0
                if not narrow:
                    tail_left = self.best < tail_from - SCALE_TOLERANCE
                continue
            history.append(self.best)
            # Few moves left in a round, or a few rounds in a row gaining less than a hundredth of a
            # percent: the tail, one move at a time, the best of those touching an extreme zone
            # (every move that lowers the imbalance itself is among them); stop when that is done.
            stalled = len(history) > 3 and history[-4] - history[-1] < SCALE_TOLERANCE
            if stalled and (not tail_left or len(self.a.zones) <= TAIL_ABOVE_ZONES):
                break
            if len(self.a.zones) > TAIL_ABOVE_ZONES and (stalled or accepted < NARROW_BELOW):
                narrow, tail_left, tail_from = True, False, self.best
        return moved_any

    def _take(self, ws: np.ndarray, zs: np.ndarray, ss: np.ndarray, first_only: bool) -> int:
        """Make the candidates' moves in order while they still improve and fit; a zone pair is set
        aside for the round after ``patience`` misses in a row. Returns the number of moves made.

        Candidates of pairs set aside or of workloads already moved are dropped a chunk at a time
        (both stay so for the round), so the loop below sees only the ones it would try."""
        n_z = len(self.a.zones)
        pair_of = np.unique(ss * n_z + zs, return_inverse=True)[1].reshape(-1)
        n_pairs = int(pair_of.max()) + 1 if pair_of.size else 0
        fails = [0] * n_pairs
        aside = np.zeros(n_pairs, dtype=bool)
        moved = self.s.moved
        patience = self.patience
        accepted = 0
        for start in range(0, ws.size, TAKE_CHUNK):
            part = slice(start, start + TAKE_CHUNK)
            live = np.flatnonzero(~aside[pair_of[part]] & ~moved[ws[part]]) + start
            w_l, z_l, s_l = ws[live].tolist(), zs[live].tolist(), ss[live].tolist()
            verdicts: dict[int, int] = {}  # position in w_l -> verdict, in the current state
            judged = 0  # since the last move
            for j, (w, dst, src, pair) in enumerate(zip(w_l, z_l, s_l, pair_of[live].tolist(), strict=True)):
                if moved[w] or fails[pair] > patience:
                    continue
                better = True
                if accepted:  # is it still an improvement, after the moves made since it was scored?
                    self.budget.spend(1)
                    judged += 1
                    need = self.a.balance[w]
                    if judged <= JUDGE_ALONE:  # often the first is taken: judge alone, then in blocks
                        better = self.judge.improves(need, src, dst)
                    else:
                        if j not in verdicts:
                            ahead = slice(j, j + LOOK_AHEAD)
                            src_a, dst_a = np.array(s_l[ahead]), np.array(z_l[ahead])
                            got = self.judge.verdicts(self.a.balance[w_l[ahead]], src_a, dst_a)
                            verdicts = dict(enumerate(got.tolist(), j))
                        v = verdicts[j]
                        better = v == 1 or (v == 2 and self.judge.improves_measured(need, src, dst))
                if not better or (h := self.s.pick_host(w, dst)) < 0:
                    fails[pair] += 1
                    aside[pair] = fails[pair] > patience
                    continue
                fails[pair] = 0
                verdicts, judged = {}, 0
                self._record(w, h)
                accepted += 1
                if self._limit_reached() or first_only:
                    return accepted
                if accepted % 256 == 0 and self.budget.exhausted():
                    return accepted
        return accepted

    # --- pair swaps ------------------------------------------------------------------------------
    def swaps(self) -> bool:
        """One improving pair of moves (w1: a->b, w2: b->a) that single moves cannot find."""
        if self.max_moves is not None and len(self.moves) + 2 > self.max_moves:
            return False
        s, a = self.s, self.a
        u = s.utilization()
        imb, q = measure(u, self.ubar)
        zone_now = a.host_zone[s.host_of]
        free = a.movable & ~s.moved
        found: list[tuple[float, float, int, int]] = []
        ext = Extremes(u)
        for za, zb in self._swap_pairs(u, imb):
            ia = self._largest(np.flatnonzero(free & (zone_now == za) & a.allowed[:, zb]))
            ib = self._largest(np.flatnonzero(free & (zone_now == zb) & a.allowed[:, za]))
            if ia.size == 0 or ib.size == 0:
                continue
            self.budget.spend(ia.size * ib.size)
            new_i, gain = swap_scores(
                ext, u, self.ubar, s.inv_cap, s.has, za, zb, a.balance[ia], a.balance[ib]
            )
            new_q = q + gain
            better = (new_i < imb - EPS) | ((new_i <= imb + EPS) & (new_q < q - EPS) & self.smooth)
            for x, y in zip(*np.nonzero(better), strict=True):
                found.append((float(new_i[x, y]), float(new_q[x, y]), int(ia[x]), int(ib[y])))
        found.sort()
        return any(self._try_pair(w1, w2) or self._try_pair(w2, w1) for _, _, w1, w2 in found[:200])

    def _swap_pairs(self, u: np.ndarray, imb: float) -> list[tuple[int, int]]:
        """Zone pairs searched for swaps: all of them up to SWAP_ALL_ZONES zones; beyond, the pairs
        that touch a zone at a resource's extreme (only those can lower the imbalance) or two of the
        SWAP_ALL_ZONES zones farthest from the mean (flattening moves)."""
        n_z = len(self.a.zones)
        if n_z <= SWAP_ALL_ZONES:
            return [(za, zb) for za in range(n_z) for zb in range(za + 1, n_z)]
        keep = extreme_zones(u, imb)
        far = np.zeros(n_z, dtype=bool)
        far[np.argsort(-np.nan_to_num((u - self.ubar) ** 2).sum(axis=1), kind="stable")[:SWAP_ALL_ZONES]] = (
            True
        )
        return [
            (za, zb)
            for za in range(n_z)
            for zb in range(za + 1, n_z)
            if keep[za] or keep[zb] or (self.smooth and far[za] and far[zb])
        ]

    def _largest(self, idx: np.ndarray) -> np.ndarray:
        """At most SWAP_SIDE of ``idx``, the biggest relative to an average zone."""
        if idx.size <= SWAP_SIDE:
            return idx
        size = (self.a.req[idx] * self.s.inv_cap.mean(axis=0)).sum(axis=1)
        return idx[np.argsort(-size)[:SWAP_SIDE]]

    def _try_pair(self, first: int, second: int) -> bool:
        """Move ``first`` to the other zone, then ``second`` (into the room ``first`` left, if it can)."""
        s = self.s
        z1, z2 = s.zone_of(first), s.zone_of(second)
        old1 = int(s.host_of[first])
        h1 = s.pick_host(first, z2, prefer=int(s.host_of[second]))
        if h1 < 0:
            return False
        s.apply(first, h1)
        h2 = s.pick_host(second, z1, prefer=old1)
        s.undo(first, old1)
        if h2 < 0:
            return False
        self._record(first, h1)
        self._record(second, h2)
        return True

    def run(self, n_movable: int) -> Search:
        batch = n_movable > BATCH_ABOVE
        stopped = "converged"
        while True:
            self.single_moves(batch)
            if self._limit_reached():
                stopped = "max-moves"
                break
            if self.budget.exhausted():
                stopped = "time-limit" if self.budget.timed_out else "work-budget"
                break
            if n_movable > SWAPS_BELOW or not self.swaps():
                break
        self._report()
        return Search(tuple(self.moves[: self.best_len]), self.best, stopped)


def descend(
    arrays: Arrays,
    *,
    max_moves: int | None = None,
    time_limit: float = 10.0,
    progress: Callable[[float], None] | None = None,
    smooth: bool = True,
    start: list[tuple[int, int]] | None = None,
    budget: Budget | None = None,
) -> Search:
    """Search for an improving sequence of moves from the inventory's placement (after ``start``,
    moves already chosen and known to be safe in order, which are kept as the plan's beginning).

    ``budget`` (shared by the searches of one run) stops it; without one, a fresh budget sized by
    :func:`work_budget`, with ``time_limit`` seconds as the wall-clock safety net."""
    state = PlacementState(arrays)
    if budget is None:
        n_movable = int(arrays.movable.sum())
        budget = Budget(work_budget(n_movable, len(arrays.zones)), time.monotonic() + time_limit)
    descent = Descent(state, max_moves=max_moves, budget=budget, progress=progress, smooth=smooth)
    for w, h in start or ():
        descent._record(w, h)
    descent.best_len = len(descent.moves)
    descent.best = descent.key[0]
    return descent.run(int(arrays.movable.sum()))
