"""Seeded random inventories for property tests and benchmarks (never for production)."""

from __future__ import annotations

import numpy as np

from scheduler.model.inventory import Host, Inventory, InventoryTenant, InventoryZone, Workload

TENANTS = ("health", "edu", "transport", "police")


def random_inventory(
    seed: int,
    *,
    workloads: int = 60,
    hosts: int = 12,
    zones: int = 3,
    fill: float = 0.6,
    skew: float = 2.0,
    quotas: bool = True,
    groups: bool = True,
    residency: bool = True,
    pinned: float = 0.05,
) -> Inventory:
    """An inventory whose first zones are hotter than the last (``skew`` >= 1), filled to ~``fill``.

    Hosts have cpu and memory_gib; workloads get requests from a few VM flavours, some are pinned,
    some restricted to the first two zones, some in replica groups of 2-3; tenants may get per-zone
    quotas a little above their current use, so quota sometimes forbids the obvious move.
    """
    rng = np.random.default_rng(seed)
    zone_names = [f"z{i + 1}" for i in range(zones)]
    host_zone = [i % zones for i in range(hosts)]
    cap_cpu = rng.choice([32.0, 48.0, 64.0], size=hosts)
    cap_mem = cap_cpu * 4
    zone_weight = np.linspace(skew, 1.0, zones)
    host_weight = zone_weight[host_zone] * cap_cpu
    host_p = host_weight / host_weight.sum()
    flavours = np.array([[1, 4], [2, 8], [4, 16], [8, 32], [2, 4], [4, 8], [1, 8], [2, 16]], dtype=float)
    budget = fill * cap_cpu.sum()
    mean_cpu = flavours[:, 0].mean()
    n = workloads if workloads else int(budget / mean_cpu)
    load = np.zeros((hosts, 2))
    caps = np.stack([cap_cpu, cap_mem], axis=1)
    placed: list[tuple[int, np.ndarray]] = []
    for _ in range(n):
        req = flavours[rng.integers(len(flavours))]
        for _try in range(8):
            h = int(rng.choice(hosts, p=host_p))
            if np.all(load[h] + req <= caps[h]):
                break
        else:
            continue
        load[h] += req
        placed.append((h, req))
    workloads_out: list[Workload] = []
    tenant_of: list[str] = []
    group_counter = 0
    open_group: tuple[str, int, set[int]] | None = None
    for i, (h, req) in enumerate(placed):
        tenant = TENANTS[int(rng.integers(len(TENANTS)))]
        group = None
        if groups and open_group is not None and open_group[1] > 0 and h not in open_group[2]:
            group = open_group[0]
            open_group[2].add(h)
            open_group = (open_group[0], open_group[1] - 1, open_group[2])
        elif groups and rng.random() < 0.15:
            group_counter += 1
            open_group = (f"g{group_counter}", int(rng.integers(1, 3)), {h})
            group = open_group[0]
        allowed = None
        core = tenant in ("health", "police")
        if residency and zones > 2 and core and host_zone[h] < 2 and rng.random() < 0.5:
            allowed = frozenset(zone_names[:2])
        movable = not (rng.random() < pinned)
        tenant_of.append(tenant)
        workloads_out.append(
            Workload(
                name=f"{tenant}/vm-{i}",
                tenant=tenant,
                host=f"h{h}",
                requests={"cpu": float(req[0]), "memory_gib": float(req[1])},
                group=group,
                allowed_zones=allowed,
                movable=movable,
            )
        )
    zone_objs = tuple(
        InventoryZone(
            name,
            "shenyang",
            tuple(
                Host(f"h{h}", name, {"cpu": float(cap_cpu[h]), "memory_gib": float(cap_mem[h])})
                for h in range(hosts)
                if host_zone[h] == z
            ),
        )
        for z, name in enumerate(zone_names)
    )
    tenants = []
    for tenant in TENANTS:
        quota: dict[str, dict[str, float]] = {}
        if quotas and rng.random() < 0.5:
            for z, name in enumerate(zone_names):
                use = sum(
                    w.request("cpu")
                    for w, t in zip(workloads_out, tenant_of, strict=True)
                    if t == tenant and host_zone[int(w.host[1:])] == z
                )
                quota[name] = {"cpu": float(use + rng.choice([0.0, 4.0, 16.0, 64.0]))}
        tenants.append(InventoryTenant(tenant, quota))
    return Inventory(zone_objs, tuple(tenants), tuple(workloads_out))


def scale_inventory(seed: int, *, workloads: int, hosts: int, zones: int) -> Inventory:
    """A big inventory built with numpy (no quotas or groups; 2% pinned, 10% residency-bound).

    Zones are filled from ~75% (the first) down to ~35% (the last) of cpu; hosts that come out over
    capacity are given just enough capacity, so the inventory starts safe.
    """
    rng = np.random.default_rng(seed)
    zone_names = [f"z{i + 1}" for i in range(zones)]
    host_zone = np.arange(hosts) % zones
    flavours = np.array([[1, 4], [2, 8], [4, 16], [8, 32], [2, 4], [4, 8], [1, 8], [2, 16]], dtype=float)
    fill = np.linspace(0.75, 0.35, zones) if zones > 1 else np.array([0.5])
    host_p = fill[host_zone] / fill[host_zone].sum()
    host_of = rng.choice(hosts, size=workloads, p=host_p)
    req = flavours[rng.integers(len(flavours), size=workloads)]
    load = np.zeros((hosts, 2))
    np.add.at(load, host_of, req)
    # size each host so its zone ends up near its fill, with some spread between hosts
    jitter = rng.uniform(0.85, 1.15, size=hosts)
    cpu = np.maximum(np.ceil(load[:, 0] / (fill[host_zone] * jitter)), 8.0)
    cap = np.maximum(np.stack([cpu, cpu * 4], axis=1), np.ceil(load))
    pinned = rng.random(workloads) < 0.02
    resident = (rng.random(workloads) < 0.10) & (host_zone[host_of] < 2)
    zone_objs = tuple(
        InventoryZone(
            name,
            "shenyang",
            tuple(
                Host(f"h{h}", name, {"cpu": float(cap[h, 0]), "memory_gib": float(cap[h, 1])})
                for h in np.flatnonzero(host_zone == z)
            ),
        )
        for z, name in enumerate(zone_names)
    )
    first_two = frozenset(zone_names[:2])
    tenants = [TENANTS[i % len(TENANTS)] for i in range(len(TENANTS))]
    workload_objs = tuple(
        Workload(
            name=f"{tenants[i % 4]}/vm-{i}",
            tenant=tenants[i % 4],
            host=f"h{host_of[i]}",
            requests={"cpu": float(req[i, 0]), "memory_gib": float(req[i, 1])},
            allowed_zones=first_two if resident[i] else None,
            movable=not pinned[i],
        )
        for i in range(workloads)
    )
    return Inventory(zone_objs, tuple(InventoryTenant(t) for t in TENANTS), workload_objs)
