"""Goal 1 of issue #13: many zones. The incremental tables stay exact, and many-zone plans end by
work (or convergence), the same twice, never by the wall-clock safety net."""

from __future__ import annotations

import time

import numpy as np
import pytest

from scheduler.model.synthetic import random_inventory, scale_inventory
from scheduler.planning.arrays import to_arrays
from scheduler.planning.budget import Budget, measure
from scheduler.planning.descent import Descent
from scheduler.planning.placement import PlacementState
from scheduler.planning.rebalance import rebalance
from scheduler.planning.scoring import FitCount, SmoothCache
from scheduler.planning.stepwise import Stepwise


def _after(d: Descent, w: int, z: int) -> tuple[float, float]:
    """(imbalance, squared distance) after moving w to zone z, measured on every zone."""
    u = d.s.utilization()
    src = d.s.zone_of(w)
    u[src] -= d.a.req[w] * d.s.inv_cap[src]
    u[z] += d.a.req[w] * d.s.inv_cap[z]
    return measure(u, d.ubar)


@pytest.mark.parametrize("seed", range(6))
def test_incremental_ranking_matches_a_full_rescan(seed: int) -> None:
    inv = random_inventory(seed, workloads=50 + seed, hosts=10, zones=5 + seed % 3, skew=2.0)
    a = to_arrays(inv)
    d = Descent(PlacementState(a), max_moves=None, budget=Budget(10**9, time.monotonic() + 60))
    d.stepwise = Stepwise(d.s, d.ubar, d.budget.spend)
    for _ in range(12):
        ranked = list(d.stepwise.ranked(d.key, d.memory, True))
        # every candidate improves, and the first is the best of all moves scored on every zone
        imb, q = d.key
        keys = [_after(d, w, z) for w, z in ranked]
        assert all(i < imb - 1e-12 or (i <= imb + 1e-12 and qq < q - 1e-12) for i, qq in keys)
        free = np.flatnonzero(a.movable & ~d.s.moved)
        full = [
            _after(d, int(w), z)
            for w in free
            for z in range(len(a.zones))
            if z != d.s.zone_of(int(w))
            and a.allowed[w, z]
            and d.stepwise.fits.count[d.stepwise.row[w], z] > 0
        ]
        better = [
            (round(i, 12), round(qq, 12))
            for i, qq in full
            if i < imb - 1e-12 or (i <= imb + 1e-12 and qq < q - 1e-12)
        ]
        if not ranked:
            assert not better
            break
        assert (round(keys[0][0], 12), round(keys[0][1], 12)) == min(better)
        move = next(((w, h) for w, z in ranked if (h := d.s.pick_host(w, z)) >= 0), None)
        if move is None:
            break
        d._record(*move)
        # the tables kept up to date equal tables built afresh
        c = d.stepwise.cache
        fresh = SmoothCache(
            a.req, c.idx, d.s.utilization(), d.s.inv_cap, d.s.has, d.ubar, a.host_zone[d.s.host_of[c.idx]]
        )
        assert np.allclose(fresh.qd, c.qd) and np.allclose(fresh.qs, c.qs)
        fits = FitCount(a.req[c.idx], d.s.free, d.s.receiving, a.host_zone, len(a.zones))
        assert (fits.count == d.stepwise.fits.count).all()


@pytest.mark.parametrize(("workloads", "hosts", "zones"), [(1200, 120, 30), (6000, 300, 60)])
def test_many_zones_end_by_work_and_repeat(workloads: int, hosts: int, zones: int) -> None:
    inv = scale_inventory(11, workloads=workloads, hosts=hosts, zones=zones)
    first = rebalance(inv, time_limit=300.0)
    second = rebalance(inv, time_limit=300.0)
    assert first.reason is None  # converged or the work budget: not the safety net
    assert first.moves == second.moves
    assert first.after.imbalance < 0.5 * first.before.imbalance
