"""Scoring zone moves without rescanning every zone: what the descent asks of each candidate.

A move of workload ``w`` from zone ``s`` to zone ``d`` changes the utilization of those two zones
only. Its new imbalance needs, per resource, the highest and lowest utilization among the *other*
zones: the first of the three highest (lowest) zones that is neither ``s`` nor ``d`` (:class:`Extremes`),
so a candidate costs O(R) instead of O(Z R). Its new squared distance from the mean splits into a part
that depends on ``w`` and its own zone and a part that depends on ``w`` and ``d``
(:class:`SmoothCache`); a move changes two zones, so only two columns and the rows of the workloads
in those two zones are recomputed (the other W x Z entries stay valid).

Which moves can lower the imbalance at all: the imbalance is the largest spread over resources, and
a move changes two zones; a resource's spread can only drop when one of the two is a zone at that
resource's maximum or minimum. :func:`extreme_zones` names those zones, so the descent scores every
move touching them exactly and the rest (which can at best keep the imbalance and flatten the zones)
from the cache, best first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler.planning.budget import measure

EPS = 1e-12


def _sq(x: np.ndarray) -> np.ndarray:
    """Squares with NaN (a zone without capacity for a resource) as 0."""
    out = x * x
    np.nan_to_num(out, copy=False, nan=0.0)
    return out


class Extremes:
    """Per resource, the three highest and three lowest zones of a (Z, R) utilization (NaN = none)."""

    def __init__(self, u: np.ndarray) -> None:
        n_z, n_r = u.shape
        hi = np.where(np.isnan(u), -np.inf, u)
        lo = np.where(np.isnan(u), np.inf, u)
        k = min(3, n_z)
        top = np.argsort(-hi, axis=0, kind="stable")[:k]  # (k, R)
        bottom = np.argsort(lo, axis=0, kind="stable")[:k]
        cols = np.arange(n_r)
        pad = 3 - k
        self.top = np.vstack([top, np.full((pad, n_r), -1)])
        self.bottom = np.vstack([bottom, np.full((pad, n_r), -1)])
        self.top_v = np.vstack([hi[top, cols], np.full((pad, n_r), -np.inf)])
        self.bottom_v = np.vstack([lo[bottom, cols], np.full((pad, n_r), np.inf)])

    def _other(self, idx: np.ndarray, val: np.ndarray, s: np.ndarray, d: np.ndarray) -> np.ndarray:
        """(n, R): per candidate, the first of the three values whose zone is neither s nor d."""
        s = s[:, None]
        d = d[:, None]
        # at most two of the three are s or d, so the third is always another zone (or padding)
        out = np.where((idx[1] != s) & (idx[1] != d), val[1], val[2])
        return np.where((idx[0] != s) & (idx[0] != d), val[0], out)

    def others(self, s: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(highest, lowest) utilization per resource among the zones other than s and d (n, R)."""
        return self._other(self.top, self.top_v, s, d), self._other(self.bottom, self.bottom_v, s, d)


def extreme_zones(
    u: np.ndarray,
    imb: float,
    hi: np.ndarray | None = None,
    lo: np.ndarray | None = None,
    spread: np.ndarray | None = None,
) -> np.ndarray:
    """(Z,) bool: the zones at the maximum or minimum of a resource whose spread is the imbalance
    (``hi``, ``lo``, ``spread``: the per-resource extremes of ``u`` and their gap with NaN as 0, when
    the caller has them)."""
    out = np.zeros(u.shape[0], dtype=bool)
    if u.size == 0 or imb <= EPS:
        return out
    if hi is None or lo is None or spread is None:
        hi = np.fmax.reduce(u, axis=0)
        lo = np.fmin.reduce(u, axis=0)
        spread = np.nan_to_num(hi - lo, nan=0.0)
    at_edge = (u >= hi - EPS) | (u <= lo + EPS)  # (NaN is at no edge)
    np.logical_or.reduce(at_edge & (spread >= imb - EPS), axis=1, out=out)
    return out


@dataclass
class Judge:
    """Whether a move improves the objective in one measured state: utilization ``u`` (Z, R), its
    per-resource extremes ``hi``/``lo``, each zone's squared distance ``dev2`` from the mean
    ``ubar``, the zones at an extreme of a widest resource ``ext``, and ``key`` (imbalance, squared
    distance). A move is judged alone (:meth:`improves`) or a block at a time (:meth:`verdicts`), with
    the same values row by row. (Not frozen: one is made after every move, and that is cheaper.)"""

    u: np.ndarray
    ubar: np.ndarray
    hi: np.ndarray
    lo: np.ndarray
    dev2: np.ndarray
    ext: np.ndarray
    inv_cap: np.ndarray
    has: np.ndarray
    key: tuple[float, float]
    smooth: bool

    def improves(self, need: np.ndarray, src: int, dst: int) -> bool:
        """Whether moving ``need`` (R,) from zone ``src`` to ``dst`` improves the objective."""
        if self.smooth:
            us = self.u[src] - need * self.inv_cap[src]
            ud = self.u[dst] + need * self.inv_cap[dst]
            gone, came = us - self.ubar, ud - self.ubar
            add = np.add.reduce
            dq = add(gone * gone, where=self.has[src]) + add(came * came, where=self.has[dst])
            dq -= self.dev2[src] + self.dev2[dst]
            # flatter, and the spread of no resource can pass the imbalance (only ud above the max or
            # us below the min could widen it): taken without measuring every zone
            if dq < -EPS and np.fmax.reduce(np.fmax(self.hi, ud) - np.fmin(self.lo, us)) <= self.key[0] + EPS:
                return True
        if not (self.ext[src] or self.ext[dst]):
            return False  # neither zone is at an extreme of a widest resource: the imbalance stays
        return self.improves_measured(need, src, dst)

    def improves_measured(self, need: np.ndarray, src: int, dst: int) -> bool:
        """:meth:`improves`, measured on every zone."""
        u = self.u.copy()
        u[src] -= need * self.inv_cap[src]
        u[dst] += need * self.inv_cap[dst]
        after, before = measure(u, self.ubar), self.key
        flatter = self.smooth and after[0] <= before[0] + EPS and after[1] < before[1] - EPS
        return after[0] < before[0] - EPS or flatter

    def verdicts(self, need: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """(n,) int8 for moves of ``need`` (n, R) from zones ``src`` to ``dst``: 1 improves (the flatter
        test of :meth:`improves`), 0 cannot (no extreme zone), 2 :meth:`improves_measured` tells."""
        out = np.full(src.size, 2, dtype=np.int8)
        out[~(self.ext[src] | self.ext[dst])] = 0
        if self.smooth:
            us = self.u[src] - need * self.inv_cap[src]
            ud = self.u[dst] + need * self.inv_cap[dst]
            gone, came = us - self.ubar, ud - self.ubar
            add = np.add.reduce
            dq = add(gone * gone, axis=1, where=self.has[src]) + add(came * came, axis=1, where=self.has[dst])
            dq -= self.dev2[src] + self.dev2[dst]
            wide = np.fmax.reduce(np.fmax(self.hi, ud) - np.fmin(self.lo, us), axis=1)
            out[(dq < -EPS) & (wide <= self.key[0] + EPS)] = 1
        return out


def new_imbalance(
    ext: Extremes,
    us: np.ndarray,
    ud: np.ndarray,
    s: np.ndarray,
    d: np.ndarray,
) -> np.ndarray:
    """(n,) imbalance after each candidate, from the new utilizations of its two zones (n, R)."""
    hi, lo = ext.others(s, d)
    top = np.fmax(np.fmax(hi, us), ud)
    bottom = np.fmin(np.fmin(lo, us), ud)
    spread = top - bottom
    # a resource only one zone has (or none) has no spread; -inf/NaN from the padding mean the same
    spread[~np.isfinite(spread)] = 0.0
    return np.maximum(spread, 0.0).max(axis=1) if spread.shape[1] else np.zeros(spread.shape[0])


class SmoothCache:
    """``qs[w]`` and ``qd[w, d]``: a move's change of the squared distance from the mean, in two parts.

    new q = q + qs[w] + qd[w, d], where qs is the change at the source zone (w leaving it) and qd the
    change at zone d (w arriving). Kept for the workloads ``idx`` (the movable ones) only.
    """

    def __init__(
        self,
        req: np.ndarray,
        idx: np.ndarray,
        u: np.ndarray,
        inv_cap: np.ndarray,
        has: np.ndarray,
        ubar: np.ndarray,
        zone_of: np.ndarray,
    ) -> None:
        self.req = req[idx]  # (n, R)
        self.idx = idx
        self.inv_cap = inv_cap
        self.has = has
        self.ubar = ubar
        self.zone_of = zone_of.copy()  # (n,) zone of each cached workload
        self.u = u.copy()
        self.dev2 = _sq(u - ubar).sum(axis=1)
        self.qd = np.empty((idx.size, u.shape[0]))
        for z in range(u.shape[0]):
            self._column(z)
        self.qs = np.empty(idx.size)
        self._rows(np.arange(idx.size))

    def _column(self, z: int) -> None:
        ud = self.u[z] + self.req * self.inv_cap[z]
        ud[:, ~self.has[z]] = np.nan
        self.qd[:, z] = _sq(ud - self.ubar).sum(axis=1) - self.dev2[z]

    def _rows(self, rows: np.ndarray) -> None:
        z = self.zone_of[rows]
        us = self.u[z] - self.req[rows] * self.inv_cap[z]
        us[~self.has[z]] = np.nan
        self.qs[rows] = _sq(us - self.ubar).sum(axis=1) - self.dev2[z]

    def moved(self, k: int | None, src: int, dst: int, u: np.ndarray) -> int:
        """Bring the cache up to date after a move from ``src`` to ``dst`` (``k``: the cached row of the
        workload that moved, if any). Returns the number of entries recomputed (for the work budget)."""
        if k is not None:
            self.zone_of[k] = dst
        self.u[[src, dst]] = u[[src, dst]]
        self.dev2[[src, dst]] = _sq(u[[src, dst]] - self.ubar).sum(axis=1)
        self._column(src)
        self._column(dst)
        rows = np.flatnonzero((self.zone_of == src) | (self.zone_of == dst))
        self._rows(rows)
        return 2 * self.idx.size + rows.size


# Smoothing moves are taken from the cache in chunks of this many, best first.
CHUNK = 64


def ranked_moves(
    cache: SmoothCache,
    u: np.ndarray,
    imb: float,
    q: float,
    *,
    free: np.ndarray,
    allowed: np.ndarray,
    memory: np.ndarray,
    smooth: bool,
    spend,
):
    """Improving moves as (workload, zone), best first: exactly the order of a full rescan.

    First the moves that lower the imbalance (all touch an extreme zone and are all scored), by
    (imbalance, squared distance, memory); then, when ``smooth``, the moves that keep it and bring
    zones nearer the mean, by (squared distance, memory), scored lazily in chunks. ``free`` (n,) and
    ``allowed`` (n, Z) are over the cache's workloads; ``spend(k)`` is told of every k scored.
    """
    n_z = u.shape[0]
    ok = allowed & free[:, None]
    ok[np.arange(ok.shape[0]), cache.zone_of] = False
    ext = extreme_zones(u, imb)
    extremes = Extremes(u)

    def score(rows: np.ndarray, dst: np.ndarray) -> np.ndarray:
        spend(rows.size)
        src = cache.zone_of[rows]
        req = cache.req[rows]
        us = u[src] - req * cache.inv_cap[src]
        us[~cache.has[src]] = np.nan
        ud = u[dst] + req * cache.inv_cap[dst]
        ud[~cache.has[dst]] = np.nan
        return new_imbalance(extremes, us, ud, src, dst)

    if ext.any():
        rows, dst = np.nonzero(ok & (ext[cache.zone_of][:, None] | ext[None, :]))
        new_i = score(rows, dst)
        better = new_i < imb - EPS
        rows, dst, new_i = rows[better], dst[better], new_i[better]
        new_q = cache.qs[rows] + cache.qd[rows, dst]
        order = np.lexsort((rows, memory[cache.idx[rows]], np.round(new_q, 12), np.round(new_i, 12)))
        for k in order:
            yield int(cache.idx[rows[k]]), int(dst[k])
    if not smooth or n_z < 2:
        return
    gain = cache.qs[:, None] + cache.qd
    flat = np.flatnonzero((ok & (gain < -EPS)).ravel())
    if flat.size == 0:
        return
    vals = gain.ravel()[flat]
    mem = memory[cache.idx[flat // n_z]]

    def chunk(part: np.ndarray):
        part = part[np.lexsort((flat[part], mem[part], vals[part]))]
        rows, dst = np.divmod(flat[part], n_z)
        new_i = score(rows, dst)
        keep = (new_i <= imb + EPS) & (new_i >= imb - EPS)  # the lower ones came first
        for w, z in zip(rows[keep], dst[keep], strict=True):
            yield int(cache.idx[w]), int(z)

    if flat.size <= CHUNK:
        yield from chunk(np.arange(flat.size))
        return
    # the best CHUNK first (most often one of them is taken), the rest in order only when needed
    first = np.argpartition(vals, CHUNK - 1)[:CHUNK]
    yield from chunk(first)
    rest = np.lexsort((flat, mem, vals))
    rest = rest[~np.isin(rest, first)]
    for start in range(0, rest.size, 4 * CHUNK):
        yield from chunk(rest[start : start + 4 * CHUNK])


def swap_scores(
    ext: Extremes,
    u: np.ndarray,
    ubar: np.ndarray,
    inv_cap: np.ndarray,
    has: np.ndarray,
    za: int,
    zb: int,
    req_a: np.ndarray,
    req_b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(na, nb) imbalance and change of the squared distance after swapping each pair a <-> b."""
    delta = req_a[:, None, :] - req_b[None, :, :]  # (na, nb, R) net flow a -> b
    ua = u[za] - delta * inv_cap[za]
    ub = u[zb] + delta * inv_cap[zb]
    ua[..., ~has[za]] = np.nan
    ub[..., ~has[zb]] = np.nan
    hi, lo = ext.others(np.array([za]), np.array([zb]))
    spread = np.fmax(np.fmax(hi[0], ua), ub) - np.fmin(np.fmin(lo[0], ua), ub)
    spread[~np.isfinite(spread)] = 0.0
    new_i = np.maximum(spread, 0.0).max(axis=2) if spread.shape[2] else np.zeros(spread.shape[:2])
    dev2 = _sq(u[[za, zb]] - ubar).sum()
    gain = _sq(ua - ubar).sum(axis=2) + _sq(ub - ubar).sum(axis=2) - dev2
    return new_i, gain


# The fit table below is kept only up to this many (workload, host) entries.
FIT_TABLE_MAX = 20_000_000


class FitCount:
    """``count[k, z]``: receiving hosts of zone z with room for cached workload k (capacity alone).

    Lets the descent skip moves no host could take before trying to place them; a move changes the
    room on two hosts, so two columns of the (n, H) table are recomputed per move.
    """

    def __init__(
        self, req: np.ndarray, free: np.ndarray, receiving: np.ndarray, host_zone: np.ndarray, n_zones: int
    ) -> None:
        self.req = req
        self.host_zone = host_zone
        self.fit = np.zeros((req.shape[0], free.shape[0]), dtype=bool)
        for start in range(0, free.shape[0], 256):
            block = slice(start, start + 256)
            self.fit[:, block] = np.all(req[:, None, :] <= free[None, block, :], axis=2) & receiving[block]
        self.count = np.zeros((req.shape[0], n_zones), dtype=np.int64)
        for z in range(n_zones):
            self.count[:, z] = self.fit[:, host_zone == z].sum(axis=1)

    def changed(self, hosts: tuple[int, ...], free: np.ndarray, receiving: np.ndarray) -> int:
        """Recompute the columns of ``hosts`` (their room changed); returns the entries recomputed."""
        for h in hosts:
            now = np.all(self.req <= free[h], axis=1) & receiving[h]
            self.count[:, self.host_zone[h]] += now.astype(np.int64) - self.fit[:, h]
            self.fit[:, h] = now
        return len(hosts) * self.req.shape[0]


def extreme_moves(
    u: np.ndarray,
    imb: float,
    workloads: np.ndarray,
    zone_of: np.ndarray,
    req: np.ndarray,
    inv_cap: np.ndarray,
    has: np.ndarray,
    allowed: np.ndarray,
    memory: np.ndarray,
    ubar: np.ndarray,
    q: float,
    smooth: bool,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Improving moves of ``workloads`` (in zones ``zone_of``) out of or into an extreme zone, best
    first by (imbalance, squared distance, memory).

    Every move that lowers the imbalance is among them (see the module docstring), and with
    ``smooth`` so are the flattening moves that touch an extreme zone; all are scored at once.
    Returns workloads, zones and the count scored.
    """
    ext = extreme_zones(u, imb)
    n_z = u.shape[0]
    ok = allowed.copy()
    ok[np.arange(ok.shape[0]), zone_of] = False
    ok &= ext[zone_of][:, None] | ext[None, :]
    rows, dst = np.nonzero(ok)
    if rows.size == 0 or n_z < 2:
        return rows, dst, 0
    src = zone_of[rows]
    need = req[rows]
    us = u[src] - need * inv_cap[src]
    us[~has[src]] = np.nan
    ud = u[dst] + need * inv_cap[dst]
    ud[~has[dst]] = np.nan
    new_i = new_imbalance(Extremes(u), us, ud, src, dst)
    dev2 = _sq(u - ubar).sum(axis=1)
    new_q = q - dev2[src] - dev2[dst] + _sq(us - ubar).sum(axis=1) + _sq(ud - ubar).sum(axis=1)
    better = (new_i < imb - EPS) | ((new_i <= imb + EPS) & (new_q < q - EPS) & smooth)
    rows, dst, new_i, new_q = rows[better], dst[better], new_i[better], new_q[better]
    order = np.lexsort((workloads[rows], memory[workloads[rows]], np.round(new_q, 12), np.round(new_i, 12)))
    return workloads[rows[order]], dst[order], int(better.size)
