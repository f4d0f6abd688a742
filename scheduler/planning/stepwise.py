"""The exact single-move search below the batching size: the best improving move, one at a time.

Keeps the tables of :mod:`scheduler.planning.scoring` up to date across the descent's moves (a move
touches two zones and two hosts, so only their columns and rows are recomputed), and hands the
descent its candidates best first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from scheduler.planning.placement import PlacementState
from scheduler.planning.scoring import FIT_TABLE_MAX, FitCount, SmoothCache, ranked_moves


class Stepwise:
    """The incremental tables of one descent over ``state`` (built on first use)."""

    def __init__(self, state: PlacementState, ubar: np.ndarray, spend: Callable[[int], None]) -> None:
        a = state.a
        self.s = state
        self.spend = spend
        idx = np.flatnonzero(a.movable)
        self.row = np.full(len(a.workloads), -1, dtype=np.int64)  # workload -> cached row
        self.row[idx] = np.arange(idx.size)
        zone_of = a.host_zone[state.host_of[idx]]
        self.cache = SmoothCache(a.balance, idx, state.utilization(), state.inv_cap, state.has, ubar, zone_of)
        spend(idx.size * len(a.zones))
        self.fits: FitCount | None = None
        if idx.size * len(a.hosts) <= FIT_TABLE_MAX:
            self.fits = FitCount(a.req[idx], state.free, state.receiving, a.host_zone, len(a.zones))
            spend(idx.size * len(a.hosts))

    def moved(self, w: int, old_host: int, src: int) -> None:
        """Workload ``w`` just moved from host ``old_host`` in zone ``src`` (already applied)."""
        s = self.s
        if self.fits is not None:
            self.spend(self.fits.changed((old_host, int(s.host_of[w])), s.free, s.receiving))
        k = int(self.row[w])
        self.spend(self.cache.moved(k if k >= 0 else None, src, s.zone_of(w), s.utilization()))

    def ranked(self, key: tuple[float, float], memory: np.ndarray, smooth: bool) -> Iterator[tuple[int, int]]:
        """Improving (workload, zone) moves in the current state, best first (see ``ranked_moves``)."""
        s, c = self.s, self.cache
        allowed = s.a.allowed[c.idx]
        if self.fits is not None:
            allowed = allowed & (self.fits.count > 0)
        return ranked_moves(
            c,
            s.utilization(),
            *key,
            free=~s.moved[c.idx],
            allowed=allowed,
            memory=memory,
            smooth=smooth,
            spend=self.spend,
        )
