"""Ejection chains: the heuristic's answer to tight capacity, after its descent has converged.

On tightly packed hosts the move that would lower the imbalance (``w`` from zone ``s`` to ``d``)
often fits on no host of ``d``. A chain first moves a blocker ``b`` off a host of ``d`` to a third
zone ``e`` (or to ``s``: a swap made in the other order than the descent's), then ``w`` into the
room ``b`` left. Each step is checked when it is made, each workload still moves at most once, and
a chain is taken when the pair together lowers the imbalance, or keeps it and brings the zones
nearer the mean (as the descent's smoothing); after a run of chains the descent searches on, and
the chains are kept only if the imbalance ends lower. Every candidate scored is work on the run's
shared :class:`Budget`, so the plan is the same on any machine.
"""

from __future__ import annotations

import numpy as np

from scheduler.planning.arrays import Arrays
from scheduler.planning.budget import Budget, measure
from scheduler.planning.descent import descend
from scheduler.planning.outcome import imbalance_after
from scheduler.planning.placement import PlacementState, replay
from scheduler.planning.scoring import extreme_zones

IndexMove = tuple[int, int]
EPS = 1e-12
# Chains are searched only up to this many movable workloads (pairs of workloads per zone pair).
CHAIN_UP_TO = 3000
# The share of the run's work budget the chains (and the descents after them) may spend.
CHAIN_SHARE = 0.15
# Candidate chains tried (best first, those the zone rules allow) before the search gives up.
TRIES = 64
# At most this many chains in a row, and runs of chains each followed by a descent.
MAX_CHAINS = 200
DESCENTS = 3
# A chain that keeps the imbalance must lower the squared distance from the mean by this much.
FLATTER = 1e-9


def _top2(u: np.ndarray, keep: np.ndarray, sign: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per resource over the zones in ``keep``: the first and second of ``sign * u`` (values of u)
    and the zone of the first (-1 when there is none)."""
    v = np.where(keep[:, None] & ~np.isnan(u), sign * u, -np.inf)
    order = np.argsort(-v, axis=0, kind="stable")
    cols = np.arange(u.shape[1])
    first, second = v[order[0], cols], v[order[1], cols] if u.shape[0] > 1 else np.full(u.shape[1], -np.inf)
    where = np.where(np.isfinite(first), order[0], -1)
    return sign * first, sign * second, where


def _dist(u: np.ndarray, ubar: np.ndarray) -> np.ndarray:
    """Squared distance from the mean utilization over the last axis (NaN = no capacity, left out)."""
    return np.nansum((u - ubar) ** 2, axis=-1)


def _zone_fits(a: Arrays, s: PlacementState, ws: np.ndarray) -> np.ndarray:
    """(len(ws), Z): whether some host of each zone has room for each workload now (capacity only)."""
    out = np.zeros((ws.size, len(a.zones)), dtype=bool)
    for z, hosts in enumerate(s.zone_hosts):
        if hosts.size:
            room = s.free[hosts][None, :, :] >= a.req[ws][:, None, :]
            out[:, z] = (np.all(room, axis=2) & s.receiving[hosts][None, :]).any(axis=1)
    return out


def _candidates(a: Arrays, s: PlacementState, budget: Budget) -> np.ndarray:
    """Improving chains, rows (new imbalance, w, destination zone, blocker b, b's zone e), best first."""
    u = s.utilization()
    imb = measure(u, np.zeros(u.shape[1]))[0]
    ext = extreme_zones(u, imb)
    n_z = len(a.zones)
    free = a.movable & ~s.moved
    zone_now = a.host_zone[s.host_of]
    movable = np.flatnonzero(free)
    fits_z = np.zeros((len(a.workloads), n_z), dtype=bool)
    fits_z[movable] = _zone_fits(a, s, movable) & a.allowed[movable]
    inv = s.inv_cap
    load, cap = s.zone_load.sum(axis=0), s.zone_cap.sum(axis=0)
    ubar = np.divide(load, cap, out=np.zeros_like(load), where=cap > 0)
    dev2 = np.nansum((u - ubar) ** 2, axis=1)
    out: list[np.ndarray] = []
    for src in range(n_z):
        ws = np.flatnonzero(free & (zone_now == src))
        for dst in range(n_z):
            if src == dst or not (ext[src] or ext[dst]) or budget.exhausted():
                continue
            w_in = ws[a.allowed[ws, dst]]
            bs = np.flatnonzero(free & (zone_now == dst))
            if not w_in.size or not bs.size:
                continue
            room = s.free[s.host_of[bs]] + a.req[bs]  # (B, R): b's host once b has left
            ok = np.all(room[None, :, :] >= a.req[w_in][:, None, :], axis=2)  # (W, B)
            wi, bi = np.nonzero(ok)
            if not wi.size:
                continue
            w, b = w_in[wi], bs[bi]
            budget.spend(w.size * n_z)
            others = np.ones(n_z, dtype=bool)
            others[[src, dst]] = False
            hi1, hi2, hiz = _top2(u, others, 1.0)
            lo1, lo2, loz = _top2(u, others, -1.0)
            zones = np.arange(n_z)[:, None]
            hi_e = np.where(hiz[None, :] == zones, hi2[None, :], hi1[None, :])  # (Z, R) without e
            lo_e = np.where(loz[None, :] == zones, lo2[None, :], lo1[None, :])
            us = u[src] - a.balance[w] * inv[src]  # (P, R)
            ud = u[dst] + (a.balance[w] - a.balance[b]) * inv[dst]
            ue = u[None, :, :] + a.balance[b][:, None, :] * inv[None, :, :]  # (P, Z, R)
            ue[:, src] -= a.balance[w] * inv[src]  # e == src: b joins what w left
            us3 = np.repeat(us[:, None, :], n_z, axis=1)
            us3[:, src] = np.nan  # e == src: the source zone is ue there
            hi = np.fmax(np.fmax(hi_e[None], ue), np.fmax(us3, ud[:, None, :]))
            lo = np.fmin(np.fmin(lo_e[None], ue), np.fmin(us3, ud[:, None, :]))
            new = np.nan_to_num(hi - lo, nan=0.0, neginf=0.0, posinf=0.0).max(axis=2)  # (P, Z)
            # taken: a lower imbalance, or the same one with the zones nearer the mean (squared
            # distance, as the descent's smoothing), which lets the descent search on
            d_ud = _dist(ud, ubar) - dev2[dst]
            dq = _dist(ue, ubar) - dev2[None, :] + (_dist(us, ubar) - dev2[src] + d_ud)[:, None]
            dq[:, src] = _dist(ue[:, src], ubar) - dev2[src] + d_ud
            better = (new < imb - EPS) | ((new <= imb + EPS) & (dq < -FLATTER))
            good = better & fits_z[b] & (dst != zones.T)
            new = new + 1e-3 * np.tanh(dq)  # the order: lower imbalance, then flatter
            p, e = np.nonzero(good)
            out.append(np.column_stack([new[p, e], w[p], np.full(p.size, dst), b[p], e]))
    if not out:
        return np.zeros((0, 5))
    found = np.concatenate(out)
    return found[np.lexsort(found.T[::-1])]


def _try(s: PlacementState, w: int, dst: int, b: int, e: int) -> list[IndexMove] | None:
    """Move ``b`` to zone ``e``, then ``w`` into ``dst`` (onto b's old host if it can); None if either
    step is not allowed when made (the state is then as before)."""
    old_b = int(s.host_of[b])
    hb = s.pick_host(b, e)
    if hb < 0:
        return None
    s.apply(b, hb)
    hw = s.pick_host(w, dst, prefer=old_b)
    if hw < 0:
        s.undo(b, old_b)
        return None
    s.apply(w, hw)
    return [(b, hb), (w, hw)]


def _chains(a: Arrays, moves: list[IndexMove], max_moves: int | None, budget: Budget) -> list[IndexMove]:
    """``moves`` followed by improving chains, best first, until none is left (or the budget)."""
    s = replay(a, moves)
    if s is None:  # not a plan the rules allow step by step: nothing to chain onto
        return list(moves)
    moves = list(moves)
    for _ in range(MAX_CHAINS):
        if budget.exhausted() or (max_moves is not None and len(moves) + 2 > max_moves):
            break
        taken = None
        refused: set[tuple[int, int]] = set()  # (workload, zone) the zone rules refuse now
        tries = 0
        for w, dst, b, e in _candidates(a, s, budget)[:, 1:].astype(np.int64).tolist():
            if (b, e) in refused or (w, dst) in refused:
                continue
            budget.spend(1)
            if not s.zone_allows(b, e):
                refused.add((b, e))
                continue
            if a.group[w] != a.group[b] and not s.zone_allows(w, dst):
                refused.add((w, dst))
                continue
            taken = _try(s, w, dst, b, e)
            tries += 1
            if taken is not None or tries >= TRIES:
                break
        if taken is None:
            break
        moves += taken
    return moves


def chain_moves(
    a: Arrays, moves: list[IndexMove], *, max_moves: int | None, budget: Budget
) -> list[IndexMove]:
    """``moves`` followed by improving ejection chains while the budget lasts, the descent searching
    on after each run of chains (a few times at most); unchanged above CHAIN_UP_TO movable workloads."""
    if int(a.movable.sum()) > CHAIN_UP_TO:
        return moves
    # the chains get a share of the run's budget, not all that is left: on tight many-resource
    # inventories they would otherwise take several times the descent's time for small gains
    own = Budget(min(budget.work - budget.used, int(budget.work * CHAIN_SHARE)), budget.deadline)
    try:
        return _chain_moves(a, moves, max_moves, own)
    finally:
        budget.spend(own.used)
        budget.timed_out |= own.timed_out


def _chain_moves(a: Arrays, moves: list[IndexMove], max_moves: int | None, budget: Budget) -> list[IndexMove]:
    start = list(moves)
    moves = list(moves)
    for _ in range(DESCENTS):
        chained = _chains(a, moves, max_moves, budget)
        if len(chained) == len(moves):
            break
        again = descend(a, max_moves=max_moves, start=chained, budget=budget)
        moves = list(again.moves)
        if len(moves) == len(chained):
            break
    # chains that only flattened, with no lower imbalance in the end, are not worth their moves
    return moves if imbalance_after(a, moves) < imbalance_after(a, start) - EPS else start
