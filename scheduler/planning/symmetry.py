"""Interchangeable workloads, counted instead of listed: an exact reformulation of the placement MILP.

Two movable workloads outside any replica group are interchangeable in the MILP of
:mod:`scheduler.planning.milp` when they have the same requests, the same tenant (or neither has a
quota anywhere), the same bins they could reach, and the same current bin. One integer column
``n[c, b]`` (0..size of class ``c``) then counts the members of class ``c`` placed on bin ``b``,
instead of one binary per workload.

Why this is exact, neither a relaxation nor a restriction: every row of the MILP (bin capacity,
quotas, utilization, the move budget, the phase-2 cost) reads a workload only through its requests,
tenant, reachable bins and current bin, so it reads ``x[w, b]`` only through ``sum over w in c of
x[w, b]`` = ``n[c, b]``; replica-group rows never see a class of more than one member. Summing any
binary solution gives counts satisfying the same rows with the same objective; any integer counts
split back (:func:`split`) into binaries with the same sums, hence the same rows and objective. So
both models have the same optimum and the count model's dual bound is as much a proof.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler.planning.arrays import Arrays


@dataclass(frozen=True)
class Classes:
    """Classes of interchangeable movable workloads, each listed by its members (ascending)."""

    members: tuple[tuple[int, ...], ...]

    def rep(self, c: int) -> int:
        """The workload that stands for class ``c`` (its first member)."""
        return self.members[c][0]


def workload_classes(a: Arrays, cur_bin: np.ndarray, can: np.ndarray, *, merge: bool = True) -> Classes:
    """The movable workloads grouped into classes (one workload a class when ``merge`` is False)."""
    quota_tenant = np.isfinite(a.quota).any(axis=(1, 2))
    by_key: dict[tuple, list[int]] = {}
    for w in np.flatnonzero(a.movable).tolist():
        t = int(a.tenant[w])
        if not merge or a.group[w] >= 0:
            key: tuple = ("one", w)
        else:
            tenant = t if t >= 0 and quota_tenant[t] else -1
            key = (a.req[w].tobytes(), tenant, can[w].tobytes(), int(cur_bin[w]))
        by_key.setdefault(key, []).append(w)
    return Classes(tuple(tuple(ws) for ws in sorted(by_key.values())))


def split(members: tuple[int, ...], counts: dict[int, int], cur: int, weight: np.ndarray) -> dict[int, int]:
    """Bin of each member of a class from its counts per bin (``counts[cur]`` members stay).

    The members that leave are those of largest ``weight`` (e.g. the fill of their current host),
    so a zone-level answer empties the fullest hosts first; ties go to the lower index.
    """
    order = sorted(members, key=lambda w: (-float(weight[w]), w))
    leaving = len(members) - counts.get(cur, 0)
    out = {w: cur for w in order[leaving:]}
    movers = iter(order[:leaving])
    for b in sorted(counts):
        if b != cur:
            for _ in range(counts[b]):
                out[next(movers)] = b
    return out
