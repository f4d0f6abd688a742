"""The workloads of an inventory as numpy columns, compiled once per inventory (one pass over them).

Shared by the safety gate (host loads and quota use summed with ``bincount``, in workload order, so
the sums equal the running sums of a loop) and the planners' arrays, so a million-workload
inventory is walked in Python once, not once per consumer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter, methodcaller
from typing import Protocol

import numpy as np


class _Workload(Protocol):
    host: str
    tenant: str | None
    requests: Mapping[str, float]
    group: str | None


@dataclass(frozen=True)
class Columns:
    """``host[w]`` (index into the inventory's hosts), ``req[w, r]`` (0 where not named), ``named[w, r]``
    (the workload names the resource), ``tenant[w]`` (index into ``tenants``, -1 for none), ``grouped``
    (the workloads with a replica group)."""

    resources: tuple[str, ...]
    tenants: tuple[str, ...]
    host: np.ndarray  # (W,) int64
    req: np.ndarray  # (W, R) float
    named: np.ndarray  # (W, R) bool
    tenant: np.ndarray  # (W,) int64
    grouped: tuple[int, ...]  # the workloads in a replica group


def compile_columns(
    workloads: Sequence[_Workload], host_index: Mapping[str, int], resources: Sequence[str]
) -> Columns:
    """Columns of ``workloads``; requests are grouped by the resources they name (few shapes, so the
    values are copied shape by shape rather than entry by entry)."""
    n_w, n_r = len(workloads), len(resources)
    r_index = {r: i for i, r in enumerate(resources)}
    host = np.fromiter(map(host_index.__getitem__, map(attrgetter("host"), workloads)), np.int64, n_w)
    requests = list(map(attrgetter("requests"), workloads))
    keys = list(map(tuple, requests))
    shapes: dict[tuple[str, ...], Sequence[int]] = dict.fromkeys(keys, range(n_w))
    if len(shapes) > 1:
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, key in enumerate(keys):
            groups.setdefault(key, []).append(i)
        shapes = dict(groups)
    req = np.zeros((n_w, n_r))
    named = np.zeros((n_w, n_r), dtype=bool)
    for names, members in shapes.items():
        if not names or not len(members):
            continue
        rows = (np.arange(n_w) if isinstance(members, range) else np.array(members, dtype=np.int64))[:, None]
        cols = np.array([r_index[r] for r in names], dtype=np.int64)
        values = chain.from_iterable(map(methodcaller("values"), map(requests.__getitem__, members)))
        req[rows, cols] = np.fromiter(values, float, len(members) * len(names)).reshape(-1, len(names))
        named[rows, cols] = True
    owners = list(map(attrgetter("tenant"), workloads))
    tenants = tuple(sorted(t for t in set(owners) if t is not None))
    t_index: dict[str | None, int] = {t: i for i, t in enumerate(tenants)}
    t_index[None] = -1
    tenant = np.fromiter(map(t_index.__getitem__, owners), np.int64, n_w)
    grouped = tuple(i for i, w in enumerate(workloads) if w.group is not None)
    for column in (host, req, named, tenant):
        column.flags.writeable = False  # shared by every user of the inventory
    return Columns(tuple(resources), tenants, host, req, named, tenant, grouped)


def sums(
    keys: np.ndarray, values: np.ndarray, named: np.ndarray, n_keys: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per key (0..n_keys-1), the sum of ``values`` (W, R) in row order, and whether any row named each
    resource; ``keys`` < 0 are left out."""
    keep = keys >= 0
    if not keep.all():
        keys, values, named = keys[keep], values[keep], named[keep]
    n_r = values.shape[1]
    total = np.zeros((n_keys, n_r))
    seen = np.zeros((n_keys, n_r), dtype=bool)
    for r in range(n_r):
        total[:, r] = np.bincount(keys, weights=values[:, r], minlength=n_keys)
        seen[:, r] = np.bincount(keys, weights=named[:, r], minlength=n_keys) > 0
    return total, seen
