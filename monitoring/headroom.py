"""N+1 headroom: if a zone failed, how much could the other zones still take, per resource.

Pure computation on an inventory. Spare room counts only schedulable hosts (a cordoned host receives
nothing) and never goes below zero on one host (an overloaded host does not lend capacity it lacks).
It is an aggregate bound: it ignores how workloads pack onto single hosts and their placement rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from scheduler.model.inventory import Inventory


def host_usage(inv: Inventory) -> dict[str, dict[str, float]]:
    """host -> resource -> sum of requests of the workloads on it."""
    usage: dict[str, dict[str, float]] = {host.name: {} for host in inv.hosts}
    for workload in inv.workloads:
        row = usage[workload.host]
        for resource, amount in workload.requests.items():
            row[resource] = row.get(resource, 0.0) + amount
    return usage


def zone_spare(inv: Inventory) -> dict[str, dict[str, float]]:
    """zone -> resource -> room left on its schedulable hosts (each host's free room, at least 0)."""
    usage = host_usage(inv)
    spare: dict[str, dict[str, float]] = {}
    for zone in inv.zones:
        row = dict.fromkeys(inv.resources, 0.0)
        for host in zone.hosts:
            if not host.schedulable:
                continue
            used = usage[host.name]
            for resource, capacity in host.capacity.items():
                row[resource] += max(0.0, capacity - used.get(resource, 0.0))
        spare[zone.name] = row
    return spare


def failover_spare(inv: Inventory) -> Mapping[str, Mapping[str, float]]:
    """zone -> resource -> what the other zones could still absorb if that zone failed."""
    spare = zone_spare(inv)
    return MappingProxyType(
        {
            zone: MappingProxyType(
                {r: sum(row[r] for other, row in spare.items() if other != zone) for r in inv.resources}
            )
            for zone in spare
        }
    )
