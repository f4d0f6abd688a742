"""Host balance inside each zone: the second objective, after zone balance (goal 3 of issue #13).

A move between two hosts of one zone leaves every zone's load as it is, so it can never worsen the
zone imbalance. After the zone moves, each zone's hottest host (highest utilization over resources)
hands one workload to the zone's coolest host that can take it, while that lowers the larger of the
two hosts' utilizations (so the zone's host spread never grows); workloads already moved are not
moved again (rule 5). The extra moves are bounded: at most as many as the zone moves (and what
``max_moves`` leaves), and only below the batching size (``BALANCE_UP_TO`` movable workloads). Every move is checked with the same array rules as the descent, and the
whole plan still goes through the safety gate in :func:`scheduler.planning.outcome.finish`.
"""

from __future__ import annotations

import numpy as np

from scheduler.planning.arrays import Arrays
from scheduler.planning.placement import PlacementState

EPS = 1e-12
# Host balancing runs only up to this many movable workloads (a Python loop per move).
BALANCE_UP_TO = 3000


def _host_util(state: PlacementState, hosts: np.ndarray) -> np.ndarray:
    """Per host of ``hosts``: its highest utilization over the resources it has capacity for."""
    cap = state.a.host_cap[hosts]
    load = state.host_load[hosts]
    util = np.divide(load, cap, out=np.zeros_like(load), where=cap > 0)
    return util.max(axis=1) if util.shape[1] else np.zeros(hosts.size)


def balance_hosts(
    arrays: Arrays, state: PlacementState, moves: list[tuple[int, int]], max_moves: int | None
) -> list[tuple[int, int]]:
    """Intra-zone moves after ``moves`` (already applied to ``state``), in order; ``state`` follows."""
    limit = len(moves) if int(arrays.movable.sum()) <= BALANCE_UP_TO else 0
    if max_moves is not None:
        limit = min(limit, max_moves - len(moves))
    extra: list[tuple[int, int]] = []
    a = arrays
    for z in range(len(a.zones)):
        hosts = state.zone_hosts[z]
        if hosts.size < 2:
            continue
        while len(extra) < limit:
            util = _host_util(state, hosts)
            hot = int(hosts[int(np.argmax(util))])
            top, bottom = float(util.max()), float(util.min())
            on_hot = np.flatnonzero((state.host_of == hot) & a.movable & ~state.moved)
            if on_hot.size == 0:
                break
            cap_hot = a.host_cap[hot]
            best: tuple[float, int, int, int] | None = None  # (new worse of the two, memory-ish, w, h)
            for h in hosts[np.argsort(util, kind="stable")][: max(1, hosts.size // 2)]:
                h = int(h)
                if h == hot:
                    continue
                cap_h = a.host_cap[h]
                for w in on_hot:
                    w = int(w)
                    need = a.req[w]
                    after_hot = np.divide(
                        state.host_load[hot] - need, cap_hot, where=cap_hot > 0, out=np.zeros_like(need)
                    )
                    after_h = np.divide(
                        state.host_load[h] + need, cap_h, where=cap_h > 0, out=np.zeros_like(need)
                    )
                    pair = (float(after_hot.max(initial=0.0)), float(after_h.max(initial=0.0)))
                    worse = max(pair)
                    # both stay within (bottom, top): the zone's host spread cannot grow
                    helps = worse < top - EPS and min(pair) >= bottom - EPS
                    if helps and (best is None or (worse, w) < (best[0], best[2])):
                        ok = state.zone_allows(w, z) and h in state.fitting_hosts(w, z)
                        best = (worse, 0, w, h) if ok else best
                if best is not None:
                    break  # the coolest host that can take a helpful workload
            if best is None:
                break
            _, _, w, h = best
            state.apply(w, h)
            extra.append((w, h))
    return extra
