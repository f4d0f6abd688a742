"""A safe order for the moves to a target placement (the exact strategy's MILP answer), multi-hop.

The MILP says where every workload should end, not in which order to move it. Under tight capacity
the order is the hard part: a move into a full host waits for a move out of it, which waits for room
elsewhere (goal 3 of issue #13). Rule 5 stays: every workload moves at most once. The orderer:

(a) searches orders depth first, best move first (the one that frees room where blocked moves wait),
    backtracking over states it has not seen (a state is the set of moves made), on a work budget;
(b) defragments: when a target zone has room in total but on no single host, a workload that is not
    otherwise moving hops to another host of its zone (its one move) so the arrival fits;
(c) parks: a blocked workload goes to a third zone (its final place, not the MILP's) when that keeps
    the target placement's imbalance within ``PARK_SLACK``;
(d) re-solves: the stuck (workload, zone) targets are forbidden (those of every round so far) and
    the placement MILP (which never swaps or rotates replicas that are each alone in their zone: no
    order can make that) is solved again, warm-started from a placement safe moves reach (the
    heuristic's, or the best order so far), for a few rounds, each stopped at a node limit. The
    ordered part of a stuck round, with the descent searching on from it, is a candidate too.

The best of the rounds (lowest imbalance, then fully ordered, then fewest moves) is returned.

Every step is checked against the array rules of :class:`PlacementState` when it is made, and the
plan still passes the safety gate in :func:`scheduler.planning.outcome.finish`.
"""

from __future__ import annotations

import dataclasses
import time

import highspy
import numpy as np

from scheduler.planning.arrays import Arrays
from scheduler.planning.budget import measure
from scheduler.planning.descent import descend
from scheduler.planning.heuristic import heuristic_moves
from scheduler.planning.milp import build_milp, placement_start
from scheduler.planning.outcome import imbalance_after
from scheduler.planning.placement import PlacementState

IndexMove = tuple[int, int]
# Host picks (a workload tried on its target zone) the whole ordering may spend, re-solves included.
ORDER_WORK = 60_000
# Moves tried at each step of the depth-first search (the best first).
BRANCH = 3
# A parked workload may raise the target placement's imbalance by at most this much.
PARK_SLACK = 1e-3
RESOLVE_ROUNDS = 3
# Branch-and-bound nodes of a re-solve (the normal stop: the same answer on any machine).
RESOLVE_NODES = 1200
# Default wall-clock net of all re-solves together, when the caller gives no deadline.
RESOLVE_SECONDS = 4.0
# Workload x host pairs up to which a re-solve places on hosts (else on zones).
RESOLVE_HOST_PAIRS = 20_000
INF = highspy.kHighsInf


class _Orderer:
    """Orders the moves to ``zone`` from the arrays' placement; ``work`` is shared across rounds."""

    def __init__(self, a: Arrays, zone: np.ndarray, host: np.ndarray, limit: int, work: list[int]) -> None:
        self.a, self.zone, self.host, self.limit, self.work = a, zone.copy(), host, limit, work
        self.s = PlacementState(a)
        self.pending = sorted(int(w) for w in np.flatnonzero(zone != a.host_zone[a.host_of]))
        self.moves: list[IndexMove] = []
        self.fit: dict[int, int] = {}  # pending workload -> host it may go to now (-1: none), cached
        cap = a.zone_cap
        self.inv_cap = np.divide(1.0, cap, out=np.zeros_like(cap), where=cap > 0)
        self.ubar = np.zeros(len(a.resources))

    # --- feasibility, cached per workload and dropped for the zones a move touches -----------------
    def _pick(self, w: int) -> int:
        if w not in self.fit:
            self.work[0] += 1
            prefer = int(self.host[w]) if self.host[w] >= 0 else None
            self.fit[w] = self.s.pick_host(w, int(self.zone[w]), prefer=prefer)
        return self.fit[w]

    def _touch(self, w: int, zones: tuple[int, int]) -> None:
        g = self.a.group[w]
        for v in [v for v in self.fit if self.zone[v] in zones or (g >= 0 and self.a.group[v] == g)]:
            del self.fit[v]

    def _apply(self, w: int, h: int) -> int:
        old = int(self.s.host_of[w])
        self.s.apply(w, h)
        self.moves.append((w, h))
        self._touch(w, (int(self.a.host_zone[old]), int(self.a.host_zone[h])))
        return old

    def _undo(self, w: int, old: int) -> None:
        h = int(self.s.host_of[w])
        self.s.undo(w, old)
        self.moves.pop()
        self._touch(w, (int(self.a.host_zone[old]), int(self.a.host_zone[h])))

    # --- (a) the depth-first search ---------------------------------------------------------------
    def _choices(self) -> list[IndexMove]:
        """Moves possible now, best first: those that let the most blocked moves in where they leave,
        then those leaving their host the emptiest (ties by workload index)."""
        a, s = self.a, self.s
        ready = [(w, self._pick(w)) for w in self.pending]
        blocked = [w for w, h in ready if h < 0]
        scored = []
        for w, h in ready:
            if h < 0:
                continue
            old = int(s.host_of[w])
            here = [v for v in blocked if self.zone[v] == a.host_zone[old]]
            freed = s.free[old] + a.req[w]
            enabled = sum(
                1 for v in here if np.all(freed >= a.req[v]) and not np.all(s.free[old] >= a.req[v])
            )
            room = float(np.min((s.free[h] - a.req[w]) * s.inv_host_cap[h]))
            scored.append((-enabled, -room, w, h))
        scored.sort()
        return [(w, h) for _, _, w, h in scored]

    def search(self, budget: int) -> None:
        """Order as much of ``pending`` as the budget allows; the state is left at the best order found."""
        start = len(self.moves)
        best: tuple[int, list[IndexMove]] = (len(self.pending), [])
        seen: set[frozenset[IndexMove]] = set()
        stack = [self._choices()[:BRANCH]]
        olds: list[int] = []
        first_path = True  # the first, greedy path always runs to its end (as the old orderer did)
        while stack:
            if not first_path and self.work[0] >= budget:
                break
            if not stack[-1]:
                stack.pop()
                first_path = False
                if olds:
                    w, _ = self.moves[-1]
                    self._undo(w, olds.pop())
                    self.pending.append(w)
                    self.pending.sort()
                continue
            w, h = stack[-1].pop(0)
            olds.append(self._apply(w, h))
            self.pending.remove(w)
            key = frozenset(self.moves[start:])
            if key in seen:
                stack.append([])
                continue
            seen.add(key)
            if len(self.pending) < best[0]:
                best = (len(self.pending), list(self.moves[start:]))
                if not self.pending:
                    return
            stack.append(self._choices()[:BRANCH])
        self._rewind(start, olds, best[1])

    def _rewind(self, start: int, olds: list[int], path: list[IndexMove]) -> None:
        while len(self.moves) > start:
            w, _ = self.moves[-1]
            self._undo(w, olds.pop())
            self.pending.append(w)
        for w, h in path:
            self._apply(w, h)
            self.pending.remove(w)
        self.pending.sort()

    # --- (b) defragmentation and (c) parking ------------------------------------------------------
    def defragment(self) -> bool:
        """One intra-zone move of a workload not otherwise moving, after which a blocked move fits."""
        if len(self.moves) + len(self.pending) >= self.limit:
            return False  # the extra move would break the move budget
        a, s = self.a, self.s
        staying = a.movable & ~s.moved
        staying[self.pending] = False
        for v in self.pending:
            z = int(self.zone[v])
            hosts = s.zone_hosts[z]
            if self._pick(v) >= 0 or not s.zone_allows(v, z):
                continue
            if np.any(s.free[hosts].clip(min=0).sum(axis=0) < a.req[v]):
                continue  # not enough room in the whole zone: defragmenting cannot help
            options = []
            for h1 in hosts.tolist():
                short = np.maximum(a.req[v] - s.free[h1], 0)  # what must leave h1 for v to fit
                for u in np.flatnonzero(staying & (s.host_of == h1)).tolist():
                    if np.all(a.req[u] >= short) and (a.group[v] < 0 or self._group_ok(v, h1, u)):
                        options.append((float(np.sum(a.req[u] * s.inv_host_cap[h1])), u, h1))
            for _, u, h1 in sorted(options):
                self.work[0] += 1
                for h2 in s.fitting_hosts(u, z).tolist():
                    if h2 == h1 or not s.zone_allows(u, z):
                        continue
                    old = self._apply(u, h2)
                    if self._pick(v) >= 0:
                        return True
                    self._undo(u, old)
        return False

    def _group_ok(self, v: int, h1: int, u: int) -> bool:
        """Whether host ``h1`` would hold no other replica of ``v``'s group once ``u`` left it."""
        g = self.a.group[v]
        return self.s.group_hosts[g][h1] - int(self.a.group[u] == g) == 0

    def park(self, reference: float) -> bool:
        """Send one blocked workload to a third zone (its final place) if the target placement's
        imbalance stays within PARK_SLACK of ``reference``; the best such zone and workload."""
        a, s = self.a, self.s
        host_final = s.host_of.copy()
        load = a.zone_load(host_final)
        for v in self.pending:
            load[a.host_zone[host_final[v]]] -= a.balance[v]
            load[self.zone[v]] += a.balance[v]
        best: tuple[float, int, int] | None = None
        for v in self.pending:
            if self._pick(v) >= 0:
                continue
            here, there = int(s.zone_of(v)), int(self.zone[v])
            for e in range(len(a.zones)):
                if e in (here, there) or not s.zone_allows(v, e):
                    continue
                trial = load.copy()
                trial[there] -= a.balance[v]
                trial[e] += a.balance[v]
                imb = measure(np.where(self.inv_cap > 0, trial * self.inv_cap, np.nan), self.ubar)[0]
                if imb <= reference + PARK_SLACK and (best is None or (imb, v, e) < best):
                    self.work[0] += 1
                    if s.pick_host(v, e) >= 0:
                        best = (imb, v, e)
        if best is None:
            return False
        _, v, e = best
        self.zone[v] = e
        self.fit.pop(v, None)
        h = self._pick(v)
        self._apply(v, h)
        self.pending.remove(v)
        return True

    def target_imbalance(self) -> float:
        host_of = self.s.host_of.copy()
        load = self.a.zone_load(host_of)
        for v in self.pending:
            load[self.a.host_zone[host_of[v]]] -= self.a.balance[v]
            load[self.zone[v]] += self.a.balance[v]
        return measure(np.where(self.inv_cap > 0, load * self.inv_cap, np.nan), self.ubar)[0]

    def run(self, budget: int) -> None:
        reference = self.target_imbalance()
        while self.pending:
            self.search(budget)
            if not self.pending or not (self.defragment() or self.park(reference)):
                break


def _resolve(
    a: Arrays, forbidden: set[IndexMove], max_moves: int, seconds: float, warm: list[IndexMove]
) -> tuple[np.ndarray, np.ndarray] | None:
    """(d): the placement MILP again, with the (workload, zone) targets found stuck so far forbidden
    (replica swaps and rotations it never proposes: see ``milp._acyclic_lone_replicas``); its
    (target zone, preferred host) per workload, or None if it finds none."""
    allowed = a.allowed.copy()
    for w, z in forbidden:
        allowed[w, z] = False
    here = dataclasses.replace(a, allowed=allowed)
    level = "host" if int(a.movable.sum()) * len(a.hosts) <= RESOLVE_HOST_PAIRS else "zone"
    milp = build_milp(here, max_moves, level=level)
    cost = np.zeros(len(milp.model.cost))
    cost[milp.t] = 1.0
    first = milp.model.solve(cost, seconds * 0.7, placement_start(here, milp, warm), max_nodes=RESOLVE_NODES)
    if first.getInfo().primal_solution_status != 2:
        return None
    best_t = float(first.getInfo().objective_function_value)
    milp.model.row(-INF, best_t + 1e-7, [milp.t], [1.0])
    values = first.getSolution().col_value
    second = milp.model.solve(
        milp.moves_cost, seconds * 0.3, dict(enumerate(values)), max_nodes=RESOLVE_NODES // 4
    )
    if second.getInfo().primal_solution_status == 2:
        values = second.getSolution().col_value
    zone = a.host_zone[a.host_of].copy()
    host = np.full(len(a.workloads), -1)
    for (w, b), c in milp.x.items():
        if values[c] > 0.5:
            zone[w] = milp.bin_zone[b]
            host[w] = b if level == "host" else -1
    return zone, host


def order_moves(
    a: Arrays,
    zone: np.ndarray,
    host: np.ndarray,
    *,
    max_moves: int | None = None,
    deadline: float | None = None,
    work: int = ORDER_WORK,
) -> tuple[list[IndexMove], list[int]]:
    """A safe order of the moves that bring every workload to its target ``zone`` (see the module).

    Each move goes to its preferred ``host`` when that is safe at the time, else to the emptiest safe
    host of the zone. At most ``max_moves`` moves in all (by default as many as the target needs, so
    a caller's move budget that the target placement kept is kept too). ``deadline`` (monotonic) is
    the net of the re-solves (default RESOLVE_SECONDS from now). Returns the ordered moves and the
    workloads of the last target placement left without a safe turn (empty when it was reached).
    """
    needed = int(np.sum(zone != a.host_zone[a.host_of]))
    limit = needed if max_moves is None else max_moves
    if deadline is None:
        deadline = time.monotonic() + RESOLVE_SECONDS
    spent = [0]
    forbidden: set[IndexMove] = set()
    best: tuple[float, bool, list[IndexMove], list[int]] | None = None
    warm: list[IndexMove] | None = None
    for round_ in range(RESOLVE_ROUNDS + 1):
        orderer = _Orderer(a, zone, host, limit, spent)
        orderer.run(spent[0] + work // (RESOLVE_ROUNDS + 1))
        found = (
            round(imbalance_after(a, orderer.moves), 12),
            bool(orderer.pending),
            orderer.moves,
            orderer.pending,
        )
        if orderer.pending:  # the safe part, and the descent on from there
            more = descend(
                a, max_moves=limit, start=orderer.moves, time_limit=max(0.1, deadline - time.monotonic())
            )
            if more.imbalance < found[0] - 1e-12:
                found = (round(more.imbalance, 12), True, list(more.moves), found[3])
        if best is None or (found[:2], len(found[2])) < (best[:2], len(best[2])):
            best = found
        left = deadline - time.monotonic()
        if not orderer.pending or round_ == RESOLVE_ROUNDS or left <= 0.5:
            break
        forbidden |= {(w, int(orderer.zone[w])) for w in orderer.pending}
        if warm is None:  # a placement safe moves reach, to start the re-solves from
            warm, _ = heuristic_moves(a, max_moves=limit, time_limit=max(0.1, left * 0.2), progress=None)
        start = warm if imbalance_after(a, warm) < best[0] else best[2]
        reached = {(w, int(a.host_zone[h])) for w, h in start}
        seconds = (deadline - time.monotonic()) / (RESOLVE_ROUNDS - round_)
        again = _resolve(a, forbidden - reached, limit, seconds, start)
        if again is None:
            break
        zone, host = again
    assert best is not None
    return best[2], best[3]
