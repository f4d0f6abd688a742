"""The inventory as numpy arrays: what the planners compute on (indices instead of names)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from scheduler.model.inventory import Inventory


@dataclass(frozen=True)
class Arrays:
    """Workloads ``w``, hosts ``h``, zones ``z``, resources ``r``, tenants ``t``, groups ``g``.

    ``quota[t, z, r]`` is ``inf`` where unlimited; ``allowed[w, z]`` folds in residency;
    ``tenant``/``group`` are -1 when a workload has none.

    The rules (capacity, quotas) always hold on ``req``. What is balanced is ``balance`` (W, R) over
    ``balance_cap`` (H, R): the requests over capacity by default; measured usage over physical
    capacity when planning ``by usage`` (capacity and quotas are promises, usage moves the balance).
    """

    resources: tuple[str, ...]
    zones: tuple[str, ...]
    hosts: tuple[str, ...]
    workloads: tuple[str, ...]
    tenants: tuple[str, ...]
    groups: tuple[str, ...]
    req: np.ndarray  # (W, R)
    host_of: np.ndarray  # (W,) initial host
    host_zone: np.ndarray  # (H,)
    host_cap: np.ndarray  # (H, R)
    schedulable: np.ndarray  # (H,)
    movable: np.ndarray  # (W,)
    allowed: np.ndarray  # (W, Z)
    tenant: np.ndarray  # (W,)
    quota: np.ndarray  # (T, Z, R)
    group: np.ndarray  # (W,)
    usage: np.ndarray | None = None  # (W, R) measured usage, when balancing by usage
    usage_cap: np.ndarray | None = None  # (H, R) physical capacity, when balancing by usage

    @property
    def balance(self) -> np.ndarray:
        """(W, R) what each workload weighs in the zone balance: its usage, or its requests."""
        return self.req if self.usage is None else self.usage

    @property
    def zone_cap(self) -> np.ndarray:
        """(Z, R) total capacity per zone that utilization is measured against (the balance's)."""
        out = np.zeros((len(self.zones), len(self.resources)))
        np.add.at(out, self.host_zone, self.host_cap if self.usage_cap is None else self.usage_cap)
        return out

    def host_load(self, host_of: np.ndarray) -> np.ndarray:
        """(H, R) requests per host for a placement."""
        out = np.zeros((len(self.hosts), len(self.resources)))
        np.add.at(out, host_of, self.req)
        return out

    def zone_load(self, host_of: np.ndarray) -> np.ndarray:
        """(Z, R) load per zone for a placement (requests, or usage when balancing by usage)."""
        out = np.zeros((len(self.zones), len(self.resources)))
        np.add.at(out, self.host_zone[host_of], self.balance)
        return out

    def tenant_use(self, host_of: np.ndarray) -> np.ndarray:
        """(T, Z, R) requests per tenant and zone for a placement (tenant-less workloads left out)."""
        out = np.zeros((len(self.tenants), len(self.zones), len(self.resources)))
        has = self.tenant >= 0
        np.add.at(out, (self.tenant[has], self.host_zone[host_of[has]]), self.req[has])
        return out


def to_arrays(inv: Inventory, usage: Mapping[str, Mapping[str, float]] | None = None) -> Arrays:
    """Compile ``inv`` into arrays; with ``usage`` (workload -> resource -> measured amount) balance on it.

    A workload without a measured value for a resource weighs its request there (the cautious guess).
    """
    resources = inv.resources
    r_index = {r: i for i, r in enumerate(resources)}
    zones = tuple(z.name for z in inv.zones)
    z_index = {z: i for i, z in enumerate(zones)}
    hosts = inv.hosts
    tenants = tuple(t.name for t in inv.tenants)
    t_index = {t: i for i, t in enumerate(tenants)}
    groups = tuple(sorted({w.group for w in inv.workloads if w.group is not None}))
    g_index = {g: i for i, g in enumerate(groups)}

    n_w, n_r, n_z = len(inv.workloads), len(resources), len(zones)
    cols = inv.columns  # one pass over the workloads, shared with the safety gate
    req = cols.req  # read-only, shared with the inventory
    host_of = cols.host
    movable = np.fromiter((w.movable for w in inv.workloads), dtype=bool, count=n_w)
    allowed = np.ones((n_w, n_z), dtype=bool)
    limits: dict[frozenset[str], list[int]] = {}
    for i, w in enumerate(inv.workloads):
        if w.allowed_zones is not None:
            limits.setdefault(w.allowed_zones, []).append(i)
    for zone_set, members in limits.items():
        rows = np.array(members, dtype=np.int64)
        allowed[rows] = False
        allowed[rows[:, None], [z_index[z] for z in zone_set]] = True
    # tenants without an entry in the inventory count as none (no quota)
    t_map = np.array([t_index.get(t, -1) for t in cols.tenants] + [-1], dtype=np.int64)
    tenant = t_map[cols.tenant]
    group = np.fromiter(
        (-1 if w.group is None else g_index[w.group] for w in inv.workloads), dtype=np.int64, count=n_w
    )
    host_cap = np.zeros((len(hosts), n_r))
    for i, h in enumerate(hosts):
        for r, amount in h.capacity.items():
            host_cap[i, r_index[r]] = amount
    quota = np.full((len(tenants), n_z, n_r), np.inf)
    for i, t in enumerate(inv.tenants):
        for z, caps in t.quota.items():
            for r, amount in caps.items():
                quota[i, z_index[z], r_index[r]] = amount
    measured = None
    physical = None
    if usage is not None:
        measured = req.copy()
        for i, w in enumerate(inv.workloads):
            for r, amount in usage.get(w.name, {}).items():
                if r in r_index:
                    measured[i, r_index[r]] = amount
        physical = np.array([[h.physical(r) for r in resources] for h in hosts]).reshape(len(hosts), n_r)
    return Arrays(
        resources=resources,
        zones=zones,
        hosts=tuple(h.name for h in hosts),
        workloads=tuple(w.name for w in inv.workloads),
        tenants=tenants,
        groups=groups,
        req=req,
        host_of=host_of,
        host_zone=np.array([z_index[h.zone] for h in hosts], dtype=np.int64),
        host_cap=host_cap,
        schedulable=np.array([h.schedulable for h in hosts], dtype=bool),
        movable=movable,
        allowed=allowed,
        tenant=tenant,
        quota=quota,
        group=group,
        usage=measured,
        usage_cap=physical,
    )
