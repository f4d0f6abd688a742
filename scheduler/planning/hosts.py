"""Host balance inside each zone: the second objective, after zone balance (goal 5 of issue #13).

A move between two hosts of one zone leaves every zone's load as it is, so it can never change the
zone imbalance. After the zone moves the hosts are evened out in rounds, all zones at once with
numpy. A round ranks each zone's hosts by one resource's utilization (the resources in turn, then
the hottest one); the hot band (hosts more than ``BAND`` of the way from the zone's mean to its
hottest) is paired with the cool band (schedulable hosts as far towards its coolest), each hot host
with ``PARTNERS`` cool ones; every workload on a hot host that may still move is scored against its
host's partners; each hot host gives its best workload and each cool host takes from its best
giver. A move is taken only when it lowers the larger of its two hosts' utilizations (of the
round's resource) by at least ``MIN_GAIN`` and leaves both hosts inside the zone's range of the
round, for every resource and for the hottest one, so no zone's host spread can grow. Rules 1-4 are
checked as the descent checks them (capacity with the tolerance, schedulable receivers, one replica
per host, the workload's allowed zones; quotas and group spread do not change inside a zone); rule
5 holds because a workload that has moved, in the zone phase or here, is never a candidate.

Bounds, all deterministic (no clock): the extra moves are at most
``max(zone moves, EXTRA_SHARE x movable workloads)`` and what ``max_moves`` leaves; the work (candidates
scored plus every host once a round) at most ``max(WORK_FLOOR, WORK_PER_WORKLOAD x movable)``. When
a round offers more moves than are left, the largest gains go first. The search ends when a full
cycle of rankings finds no move. The whole plan still goes through the safety gate in
:func:`scheduler.planning.outcome.finish`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from scheduler.planning.arrays import Arrays
from scheduler.planning.placement import PlacementState, replay

EPS = 1e-12
# A move must lower the larger of its two hosts' utilizations (of the round's resource) by this much.
MIN_GAIN = 0.005
# Cool hosts each hot host is scored against in one round.
PARTNERS = 4
# Hot / cool bands: hosts beyond this share of the way from the zone's mean to its extremes.
BAND = 0.6
# Extra moves: at most max(zone moves, this share of the movable workloads).
EXTRA_SHARE = 0.3
# Work budget: candidates scored (workload x partner host, plus every host once a round) over all
# rounds, per movable workload, and at least WORK_FLOOR (small inventories run until no move helps).
WORK_PER_WORKLOAD = 4
WORK_FLOOR = 300_000


@dataclass(frozen=True)
class Round:
    """One round's chosen moves, best gain first: ``w[i]`` to host ``to[i]``."""

    w: np.ndarray
    to: np.ndarray
    gain: np.ndarray
    scored: int


def extra_move_limit(arrays: Arrays, zone_moves: int, max_moves: int | None) -> int:
    """How many intra-zone moves host balancing may add after ``zone_moves`` zone moves."""
    limit = max(zone_moves, math.ceil(EXTRA_SHARE * int(arrays.movable.sum())))
    if max_moves is not None:
        limit = min(limit, max_moves - zone_moves)
    return max(0, limit)


def host_utilization(state: PlacementState) -> np.ndarray:
    """(H, R) utilization of every host per resource (0 where a host has no capacity for it)."""
    cap = state.a.host_cap
    return np.divide(state.host_load, cap, out=np.zeros_like(state.host_load), where=cap > 0)


def hottest(util: np.ndarray) -> np.ndarray:
    """(H,) utilization of each host's hottest resource."""
    return util.max(axis=1) if util.shape[1] else np.zeros(len(util))


@dataclass(frozen=True)
class Pairing:
    """Each hot host's cool partners (-1 for none) and its zone's range, per resource and hottest."""

    partner: np.ndarray  # (PARTNERS, H)
    bottom: np.ndarray  # (H, R + 1): the zone's lowest utilization, per resource then hottest
    top: np.ndarray  # (H, R + 1)


class Zones:
    """The hosts grouped by zone (fixed during balancing), for per-zone reductions without a loop."""

    def __init__(self, arrays: Arrays) -> None:
        self.zone = arrays.host_zone
        self.count = np.bincount(self.zone, minlength=len(arrays.zones))
        self.start = np.concatenate([[0], np.cumsum(self.count)[:-1]])
        self.by_zone = np.argsort(self.zone, kind="stable")
        self.half = self.count // 2
        self.schedulable = arrays.schedulable

    def ranges(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per host, the lowest and highest of ``values`` (H, C) over its zone."""
        nonempty = self.count > 0
        starts = self.start[nonempty]
        low = np.zeros((len(self.count), values.shape[1]))
        high = np.zeros_like(low)
        low[nonempty] = np.minimum.reduceat(values[self.by_zone], starts, axis=0)
        high[nonempty] = np.maximum.reduceat(values[self.by_zone], starts, axis=0)
        return low[self.zone], high[self.zone]

    def pairing(self, util: np.ndarray, key: np.ndarray) -> Pairing:
        """Per zone, hosts ranked by ``key``: the hot band paired with the cool band.

        The hot band is the hotter half's hosts above ``mean + BAND x (hottest - mean)`` of the zone,
        the cool band the cooler half's schedulable hosts below ``mean - BAND x (mean - coolest)``:
        moves go to the extremes first, and a round costs the bands' workloads, not the zone's."""
        n_hosts = key.size
        zone = self.zone
        mean = np.bincount(zone, weights=key, minlength=self.count.size) / np.maximum(self.count, 1)
        low, high = self.ranges(key[:, None])
        low, high, mean = low[:, 0], high[:, 0], mean[zone]
        down = np.lexsort((np.arange(n_hosts), -key, zone))  # by zone, hottest first
        rank = np.empty(n_hosts, dtype=np.int64)
        rank[down] = np.arange(n_hosts) - self.start[zone[down]]
        half = self.half[zone]
        hot_mask = (rank < half) & (key > mean + BAND * (high - mean) + EPS)
        cool_mask = (rank >= self.count[zone] - half) & (key < mean - BAND * (mean - low) - EPS)
        cool_mask &= self.schedulable
        hot = down[hot_mask[down]]  # by zone, hottest first
        up = down[::-1]
        cool = up[cool_mask[up]]
        cool = cool[np.argsort(zone[cool], kind="stable")]  # by zone, coolest first
        n_cool = np.bincount(zone[cool], minlength=self.count.size)
        cool_start = np.cumsum(n_cool) - n_cool
        n_hot = np.bincount(zone[hot], minlength=self.count.size)
        i = np.arange(hot.size) - (np.cumsum(n_hot) - n_hot)[zone[hot]]  # place in its zone's band
        partner = np.full((PARTNERS, n_hosts), -1, dtype=np.int64)
        m = n_cool[zone[hot]]
        for o in range(PARTNERS):
            use = o < m
            partner[o, hot[use]] = cool[cool_start[zone[hot[use]]] + (i[use] + o) % m[use]]
        ranges = np.column_stack([util, hottest(util)])
        bottom, top = self.ranges(ranges)
        return Pairing(partner, bottom, top)


class Balancer:
    """What every round shares: the zones, 1 / capacity, and the candidates grouped by host.

    The candidates are the workloads that may still move when balancing starts (movable, not moved,
    allowed in their zone). A workload that moves is never a candidate again, so a host's candidates
    are always among those it had at the start: the index is built once."""

    def __init__(self, state: PlacementState) -> None:
        a = state.a
        self.state = state
        self.zones = Zones(a)
        self.inv_cap = np.divide(1.0, a.host_cap, out=np.zeros_like(a.host_cap), where=a.host_cap > 0)
        w = np.flatnonzero(a.movable & ~state.moved)
        w = w[a.allowed[w, a.host_zone[state.host_of[w]]]]
        self.by_host = w[np.argsort(state.host_of[w], kind="stable")]
        self.count = np.bincount(state.host_of[w], minlength=len(a.hosts))
        self.start = np.cumsum(self.count) - self.count

    def candidates(self, hosts: np.ndarray) -> np.ndarray:
        """The workloads on ``hosts`` that may still move, host by host."""
        count = self.count[hosts]
        offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        w = self.by_host[np.repeat(self.start[hosts], count) + offset]
        return w[~self.state.moved[w]]


def _round(balancer: Balancer, r: int, budget: int) -> Round:
    """One round, hosts ranked by resource ``r`` (by the hottest resource when ``r`` is R).

    Every workload on a hot host is scored against each of its host's partners; each hot host gives
    its best workload and each cool host takes from its best giver, so the round's moves touch
    disjoint hosts and each is checked against the state before the round."""
    state, inv_cap = balancer.state, balancer.inv_cap
    a = state.a
    util = host_utilization(state)
    key = util[:, r] if r < util.shape[1] else hottest(util)
    pairs = balancer.zones.pairing(util, key)
    w = balancer.candidates(np.flatnonzero(pairs.partner[0] >= 0))[: max(0, budget // PARTNERS)]
    src = np.repeat(state.host_of[w], PARTNERS)
    dst = pairs.partner[:, state.host_of[w]].T.reshape(-1)
    w = np.repeat(w, PARTNERS)
    keep = dst >= 0
    w, src, dst = w[keep], src[keep], dst[keep]
    scored = int(w.size)
    need = a.req[w]
    src_after = (state.host_load[src] - need) * inv_cap[src]
    dst_after = (state.host_load[dst] + need) * inv_cap[dst]
    if r < need.shape[1]:
        src_r, dst_r = src_after[:, r], dst_after[:, r]
    else:
        src_r, dst_r = hottest(src_after), hottest(dst_after)
    # the gain: how far the larger of the pair's two utilizations (of the ranking resource) falls
    gain = key[src] - np.maximum(src_r, dst_r)
    ok = (gain >= MIN_GAIN) & state.receiving[dst] & np.all(state.free[dst] >= need, axis=1)
    low, high = pairs.bottom[src] - EPS, pairs.top[src] + EPS
    for after in (src_after, dst_after):  # every resource and the hottest stay in the zone's range
        full = np.column_stack([after, hottest(after)])
        ok &= np.all((full >= low) & (full <= high), axis=1)
    grouped = ok & (a.group[w] >= 0)
    if grouped.any():  # one replica of a group per host
        members = np.flatnonzero(a.group >= 0)
        taken = np.unique(a.group[members] * len(a.hosts) + state.host_of[members])
        ok[grouped] = ~np.isin(a.group[w[grouped]] * len(a.hosts) + dst[grouped], taken)
    w, src, dst, gain, tie = w[ok], src[ok], dst[ok], gain[ok], dst_r[ok]
    # each giver's best workload, then each receiver's best giver; among equal gains the receiver
    # that ends coolest, then the lower workload index
    for by_receiver in (False, True):
        hosts = dst if by_receiver else src
        order = np.lexsort((w, tie, -gain, hosts))
        first = order[np.r_[True, hosts[order][1:] != hosts[order][:-1]]] if order.size else order
        w, src, dst, gain, tie = w[first], src[first], dst[first], gain[first], tie[first]
    order = np.lexsort((w, -gain))
    return Round(w[order], dst[order], gain[order], scored)


def balance_hosts(
    arrays: Arrays, state: PlacementState, moves: list[tuple[int, int]], max_moves: int | None
) -> list[tuple[int, int]]:
    """Intra-zone moves after ``moves`` (already applied to ``state``), in order; ``state`` follows.

    Rounds rank the hosts by each resource in turn, then by their hottest one; the search stops when
    a full cycle of rankings finds no move, or at the move limit, or when the work budget is spent."""
    limit = extra_move_limit(arrays, len(moves), max_moves)
    budget = max(WORK_FLOOR, WORK_PER_WORKLOAD * int(arrays.movable.sum()))
    balancer = Balancer(state)
    rankings = arrays.host_cap.shape[1] + 1
    extra: list[tuple[int, int]] = []
    idle = 0  # rounds in a row without a move
    for turn in itertools.count():
        if len(extra) >= limit or budget <= 0 or idle >= rankings:
            break
        found = _round(balancer, turn % rankings, budget)
        budget -= found.scored + len(arrays.hosts)  # a round also ranks every host
        take = min(limit - len(extra), found.w.size)
        idle = 0 if take else idle + 1
        for w, h in zip(found.w[:take].tolist(), found.to[:take].tolist(), strict=True):
            state.apply(w, h)
            extra.append((w, h))
    return extra


def with_host_moves(
    arrays: Arrays, moves: list[tuple[int, int]], max_moves: int | None
) -> list[tuple[int, int]]:
    """``moves`` (a zone plan, every step allowed) followed by :func:`balance_hosts`' intra-zone moves.

    An empty zone plan stays empty: host balancing is the second objective of a rebalance, not a
    reason for one."""
    state = replay(arrays, moves) if moves else None
    if state is None:
        return moves
    return moves + balance_hosts(arrays, state, moves, max_moves)
