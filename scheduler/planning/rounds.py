"""The candidates of one batched round of the descent (above ``BATCH_ABOVE`` movable workloads).

Zones above the mean are paired with zones below it (:func:`zone_pairs`), and every movable workload
of a pair's hot zone is scored as a move to its cold zone: the imbalance and squared distance after
that move alone. The pairs are scored together, a block of pairs per numpy pass (:func:`score_block`),
which gives each pair exactly the values and order of scoring it on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

EPS = 1e-12
# At most this many (workload, pair) rows are scored in one numpy pass (bounds the memory).
BLOCK_ROWS = 400_000
# Pairs with this many rows on average are scored one pair at a time (few pairs, many workloads).
BIG_PAIR = 4096


def zone_pairs(u: np.ndarray, ubar: np.ndarray, partners: int) -> list[tuple[int, int]]:
    """Zone pairs scored in a batched round: from zones above the mean to zones below it (load then
    flows once, with no zone both giving and taking), each zone paired with at most ``partners``
    partners by rank (the i-th hottest with the i-th.. coldest), so a round costs O(Z), not O(Z^2)."""
    n_z = u.shape[0]
    excess = np.nansum(u - ubar, axis=1)
    hot = [int(z) for z in np.argsort(-excess, kind="stable") if excess[z] > 0]
    cold = [int(z) for z in np.argsort(excess, kind="stable") if excess[z] < 0]
    if not hot or not cold:
        return [(a, b) for a in range(n_z) for b in range(n_z) if excess[a] > excess[b]]
    k = min(partners, len(cold))
    pairs = {(hot[i], cold[(i + j) % len(cold)]) for i in range(len(hot)) for j in range(k)}
    k = min(partners, len(hot))
    pairs |= {(hot[(i + j) % len(hot)], cold[i]) for i in range(len(cold)) for j in range(k)}
    return sorted(pairs)


def others_extremes(u: np.ndarray, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P, R) highest and lowest utilization among the zones other than each pair's two (NaN where
    none has the resource), from each resource's three highest and lowest zones."""
    n_z, n_r = u.shape
    k = min(3, n_z)
    out = []
    for sign in (1.0, -1.0):
        v = np.where(np.isnan(u), -np.inf, sign * u)
        top = np.argsort(-v, axis=0, kind="stable")[:k]  # (k, R)
        vals = np.take_along_axis(v, top, axis=0)
        best = np.full((src.size, n_r), -np.inf)
        for i in range(k - 1, -1, -1):  # the first of the k that is neither zone wins
            other = (top[i][None, :] != src[:, None]) & (top[i][None, :] != dst[:, None])
            best = np.where(other, vals[i][None, :], best)
        best = sign * best
        out.append(np.where(np.isinf(best), np.nan, best))
    return out[0], out[1]


@dataclass(frozen=True)
class View:
    """The state a round is scored in: utilization (Z, R), its mean, and what measures it."""

    u: np.ndarray
    ubar: np.ndarray
    imb: float
    q: float
    inv_cap: np.ndarray
    has: np.ndarray
    smooth: bool


def _by_resource(
    view: View,
    rows: np.ndarray,
    src: np.ndarray | int,
    dst: np.ndarray | int,
    hi: np.ndarray,
    lo: np.ndarray,
    balance: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(new imbalance, squared distance of the source zone, of the destination zone) per row, one
    resource at a time on contiguous columns: every zone has every resource (no NaN) and there are
    fewer than 8 resources, where numpy sums a row in order, so the sums are the row sums' values.

    ``src``, ``dst`` are each row's zones, or one zone for all rows (then ``hi``, ``lo`` are (R,):
    per-pair values broadcast instead of gathered row by row, the same numbers)."""
    u, ubar, inv_cap = view.u, view.ubar, view.inv_cap
    hi = np.where(np.isnan(hi), -np.inf, hi)  # (a pair of the only two zones has no others)
    lo = np.where(np.isnan(lo), np.inf, lo)
    new_i = qs = qd = None
    for r in range(u.shape[1]):
        need = balance[rows, r]
        us = u[src, r] - need * inv_cap[src, r]
        ud = need
        ud *= inv_cap[dst, r]
        ud += u[dst, r]
        top = np.maximum(np.maximum(hi[..., r], us), ud)
        bottom = np.minimum(np.minimum(lo[..., r], us), ud)
        top -= bottom
        new_i = top if new_i is None else np.maximum(new_i, top, out=new_i)
        us -= ubar[r]
        us *= us
        ud -= ubar[r]
        ud *= ud
        qs = us if qs is None else np.add(qs, us, out=qs)
        qd = ud if qd is None else np.add(qd, ud, out=qd)
    assert new_i is not None and qs is not None and qd is not None
    return new_i, qs, qd


class Scored(NamedTuple):
    """One pair's improving moves, best first."""

    workloads: np.ndarray
    zone: int
    source: int
    rank: np.ndarray  # 0, 1, 2, ... (float)
    new_i: np.ndarray
    new_q: np.ndarray


def score_block(
    view: View,
    pairs: list[tuple[int, int]],
    members: list[np.ndarray],
    balance: np.ndarray,
    per_pair: int,
) -> list[Scored]:
    """For each pair (src, dst) with its movers ``members`` (sorted workload indices of src allowed in
    dst): the improving moves, at most ``per_pair``, best first by (imbalance, squared distance);
    pairs with none are left out.

    Row by row the values are those of scoring each pair alone, and ties keep the same order."""
    u, ubar = view.u, view.ubar
    src = np.array([s for s, _ in pairs], dtype=np.int64)
    dst = np.array([d for _, d in pairs], dtype=np.int64)
    sizes = np.array([m.size for m in members], dtype=np.int64)
    rows = np.concatenate(members)
    pair = np.repeat(np.arange(len(pairs)), sizes)
    hi, lo = others_extremes(u, src, dst)
    if view.has.all() and 0 < u.shape[1] < 8 and rows.size >= BIG_PAIR * len(pairs):
        # big pairs: each on its own, its zones' values broadcast (no per-row gathers)
        parts = [
            _by_resource(view, m, s, d, hi[p], lo[p], balance)
            for p, ((s, d), m) in enumerate(zip(pairs, members, strict=True))
        ]
        new_i, qs, qd = (np.concatenate([part[k] for part in parts]) for k in range(3))
    elif view.has.all() and 0 < u.shape[1] < 8:
        new_i, qs, qd = _by_resource(view, rows, src[pair], dst[pair], hi[pair], lo[pair], balance)
    else:
        s_row, d_row = src[pair], dst[pair]
        need = balance[rows]
        us = u[s_row] - need * view.inv_cap[s_row]
        ud = u[d_row] + need * view.inv_cap[d_row]
        us[~view.has[s_row]] = np.nan
        ud[~view.has[d_row]] = np.nan
        top = np.fmax(np.fmax(hi[pair], us), ud)
        bottom = np.fmin(np.fmin(lo[pair], us), ud)
        new_i = np.nan_to_num(top - bottom, nan=0.0).max(axis=1)
        qs = np.nansum((us - ubar) ** 2, axis=1)
        qd = np.nansum((ud - ubar) ** 2, axis=1)
    dev2 = np.nan_to_num((u - ubar) ** 2)
    base = np.array([view.q - dev2[s].sum() - dev2[d].sum() for s, d in pairs])
    new_q = base[pair] + qs + qd
    imb, q = view.imb, view.q
    better = (new_i < imb - EPS) | ((new_i <= imb + EPS) & (new_q < q - EPS) & view.smooth)
    # per pair: the best per_pair (argpartition, as alone), then sorted; ties by position
    out = []
    starts = np.concatenate([[0], np.cumsum(sizes)])
    for p in range(len(pairs)):
        part = slice(int(starts[p]), int(starts[p + 1]))
        keep = np.flatnonzero(better[part])
        if keep.size == 0:
            continue
        sub, ni, nq = rows[part][keep], new_i[part][keep], new_q[part][keep]
        if ni.size > per_pair:
            pick = np.argpartition(ni + 1e-3 * nq, per_pair)[:per_pair]
            sub, ni, nq = sub[pick], ni[pick], nq[pick]
        order = np.lexsort((nq, np.round(ni, 12)))
        rank = np.arange(order.size, dtype=float)
        out.append(Scored(sub[order], pairs[p][1], pairs[p][0], rank, ni[order], nq[order]))
    return out
