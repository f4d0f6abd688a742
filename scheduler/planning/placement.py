"""A mutable placement on top of :class:`Arrays` with the safety rules as fast array checks.

The planners search with this; their result still passes :mod:`scheduler.model.safety` before it is returned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from scheduler.planning.arrays import Arrays

TOLERANCE = 1e-9
# Hosts looked at first when placing a workload in a big zone (see PlacementState.pick_host).
WINDOW = 128


class PlacementState:
    """Current host of every workload, with loads, quota use and replica spread kept up to date."""

    def __init__(self, arrays: Arrays) -> None:
        a = arrays
        self.a = a
        self.host_of = a.host_of.copy()
        self.host_load = a.host_load(self.host_of)
        self.zone_load = a.zone_load(self.host_of)
        self.tenant_use = a.tenant_use(self.host_of)
        self.zone_cap = a.zone_cap
        self.has = self.zone_cap > 0
        self.inv_cap = np.divide(1.0, self.zone_cap, out=np.zeros_like(self.zone_cap), where=self.has)
        self.holes = not self.has.all()  # some zone lacks a resource: utilization has NaN there
        self.cap_tol = a.host_cap + TOLERANCE * np.maximum(1.0, a.host_cap)
        self.quota_tol = a.quota + TOLERANCE * np.maximum(1.0, np.where(np.isinf(a.quota), 1.0, a.quota))
        self.limited = np.isfinite(a.quota).any(axis=(1, 2))  # tenants with a quota somewhere
        self.moved = np.zeros(len(a.workloads), dtype=bool)
        self.free = self.cap_tol - self.host_load  # room left per host (with the tolerance)
        self.receiving = a.schedulable & np.all(self.free >= 0, axis=1)
        self.inv_host_cap = np.divide(1.0, a.host_cap, out=np.ones_like(a.host_cap), where=a.host_cap > 0)
        self.zone_hosts = [np.flatnonzero(a.host_zone == z) for z in range(len(a.zones))]
        self.cursor = [0] * len(a.zones)
        # Hosts are usually numbered zone by zone: then a zone's rows are a slice (a view, no copy).
        self.zone_rows: list[slice | np.ndarray] = [
            slice(int(h[0]), int(h[-1]) + 1) if h.size and h[-1] - h[0] + 1 == h.size else h
            for h in self.zone_hosts
        ]
        self.group_hosts: list[Counter[int]] = [Counter() for _ in a.groups]
        self.group_zones = np.zeros((len(a.groups), len(a.zones)), dtype=np.int64)
        for w in np.flatnonzero(a.group >= 0):
            g = a.group[w]
            self.group_hosts[g][int(self.host_of[w])] += 1
            self.group_zones[g, a.host_zone[self.host_of[w]]] += 1

    # --- measuring -------------------------------------------------------------------------------
    def utilization(self) -> np.ndarray:
        """(Z, R) utilization with NaN where a zone has no capacity for a resource."""
        return np.where(self.has, self.zone_load * self.inv_cap, np.nan)

    def zone_of(self, w: int) -> int:
        return int(self.a.host_zone[self.host_of[w]])

    # --- the rules -------------------------------------------------------------------------------
    def zone_allows(self, w: int, z: int) -> bool:
        """Rules 2-4 that depend only on the destination zone (not the host)."""
        a = self.a
        if not a.movable[w] or self.moved[w] or not a.allowed[w, z]:
            return False
        src = self.zone_of(w)
        t = a.tenant[w]
        if t >= 0 and z != src and self.limited[t]:
            need = a.req[w]
            if np.any((need > 0) & (self.tenant_use[t, z] + need > self.quota_tol[t, z])):
                return False
        g = a.group[w]
        return not (g >= 0 and z != src and self.group_zones[g, src] == 1 and self.group_zones[g, z] > 0)

    def _fits(self, w: int, z: int) -> np.ndarray:
        """Mask over the hosts of zone ``z``: which may receive ``w`` now (rules 1, 3, one replica/host)."""
        a = self.a
        rows = self.zone_rows[z]
        free = self.free[rows]
        ok = self.receiving[rows] & np.logical_and.reduce(free >= a.req[w], axis=1)
        hosts = self.zone_hosts[z]
        g = a.group[w]
        if g >= 0:
            taken = self.group_hosts[g]
            ok &= np.array([taken[int(h)] == 0 for h in hosts], dtype=bool)
        return ok

    def may_take(self, w: int, h: int) -> bool:
        """Whether host ``h`` may receive ``w`` now: ``h in fitting_hosts(w, zone of h)`` in O(R)."""
        a = self.a
        if h == self.host_of[w] or not self.receiving[h]:
            return False
        if not np.logical_and.reduce(self.free[h] >= a.req[w]):
            return False
        g = a.group[w]
        return g < 0 or self.group_hosts[g][h] == 0

    def fitting_hosts(self, w: int, z: int) -> np.ndarray:
        """Hosts of zone ``z`` that may receive ``w`` now."""
        hosts = self.zone_hosts[z]
        return hosts[self._fits(w, z) & (hosts != self.host_of[w])]

    def pick_host(self, w: int, z: int, prefer: int | None = None) -> int:
        """A host in ``z`` for ``w``: ``prefer`` when it fits, else the emptiest fitting host.

        In big zones only a window of ``WINDOW`` hosts, moving round the zone, is looked at first (the
        emptiest there); the whole zone only when nothing in the window fits. This keeps a move's
        cost flat as zones grow and spreads arrivals over the zone.
        """
        if not self.zone_allows(w, z):
            return -1
        hosts = self.zone_hosts[z]
        if prefer is None and hosts.size > 2 * WINDOW and isinstance(self.zone_rows[z], slice):
            start = self.cursor[z]
            window = slice(hosts[0] + start, hosts[0] + min(start + WINDOW, hosts.size))
            self.cursor[z] = (start + WINDOW) % hosts.size
            h = self._emptiest(w, window)
            if h >= 0:
                return h
        ok = self._fits(w, z)
        current = int(self.host_of[w])
        if self.a.host_zone[current] == z:
            ok &= hosts != current
        if not ok.any():
            return -1
        if prefer is not None and self.a.host_zone[prefer] == z and ok[np.searchsorted(hosts, prefer)]:
            return prefer
        rows = self.zone_rows[z]
        left = np.minimum.reduce((self.free[rows] - self.a.req[w]) * self.inv_host_cap[rows], axis=1)
        left[~ok] = -np.inf
        return int(hosts[int(np.argmax(left))])

    def _emptiest(self, w: int, rows: slice) -> int:
        """The fitting host among hosts ``rows`` (a range of host indices) left emptiest by ``w``, or -1."""
        a = self.a
        free = self.free[rows]
        need = a.req[w]
        ok = self.receiving[rows].copy()
        for r in range(need.size):  # column by column: cheaper than a row reduction over few columns
            ok &= free[:, r] >= need[r]
        current = int(self.host_of[w])
        if rows.start <= current < rows.stop:
            ok[current - rows.start] = False
        g = a.group[w]
        if g >= 0:
            taken = self.group_hosts[g]
            ok &= np.array([taken[h] == 0 for h in range(rows.start, rows.stop)], dtype=bool)
        if not ok.any():
            return -1
        room = (free - need) * self.inv_host_cap[rows]
        if 0 < need.size <= 4:
            left = room[:, 0].copy()
            for r in range(1, need.size):
                np.minimum(left, room[:, r], out=left)
        else:
            left = np.minimum.reduce(room, axis=1)
        left[~ok] = -np.inf
        return int(rows.start) + int(np.argmax(left))

    # --- changing --------------------------------------------------------------------------------
    def apply(self, w: int, h: int) -> None:
        """Move workload ``w`` to host ``h`` (assumed allowed)."""
        a = self.a
        old = int(self.host_of[w])
        src, dst = int(a.host_zone[old]), int(a.host_zone[h])
        need = a.req[w]
        self.host_load[old] -= need
        self.host_load[h] += need
        self.free[old] += need
        self.free[h] -= need
        for host in (old, h):
            self.receiving[host] = a.schedulable[host] and self.free[host].min(initial=0.0) >= 0
        weight = a.balance[w]
        self.zone_load[src] -= weight
        self.zone_load[dst] += weight
        t = a.tenant[w]
        if t >= 0:
            self.tenant_use[t, src] -= need
            self.tenant_use[t, dst] += need
        g = a.group[w]
        if g >= 0:
            self.group_hosts[g][old] -= 1
            self.group_hosts[g][h] += 1
            self.group_zones[g, src] -= 1
            self.group_zones[g, dst] += 1
        self.host_of[w] = h
        self.moved[w] = True

    def undo(self, w: int, old: int) -> None:
        """Reverse :meth:`apply` of ``w`` (which came from host ``old``)."""
        self.apply(w, old)
        self.moved[w] = False


def replay(arrays: Arrays, moves: Sequence[tuple[int, int]]) -> PlacementState | None:
    """The state after ``moves`` if every one is allowed when made (array rules), else None."""
    state = PlacementState(arrays)
    for w, h in moves:
        z = int(arrays.host_zone[h])
        if not state.zone_allows(w, z) or not state.may_take(w, h):
            return None
        state.apply(w, h)
    return state
