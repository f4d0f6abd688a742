"""Zone utilization and imbalance, exactly as docs/contracts.md defines them."""

from __future__ import annotations

from collections.abc import Mapping

from scheduler.model.inventory import Inventory

Utilization = dict[str, dict[str, float]]


def zone_utilization(inv: Inventory) -> Utilization:
    """zone -> resource -> requests / capacity. A zone with zero capacity for a resource omits it."""
    load: dict[str, dict[str, float]] = {zone.name: {} for zone in inv.zones}
    for workload in inv.workloads:
        zone_load = load[inv.zone_of(workload.host)]
        for resource, amount in workload.requests.items():
            zone_load[resource] = zone_load.get(resource, 0.0) + amount
    utilization: Utilization = {}
    for zone in inv.zones:
        row: dict[str, float] = {}
        for resource in inv.resources:
            capacity = sum(host.capacity.get(resource, 0.0) for host in zone.hosts)
            if capacity > 0:
                row[resource] = load[zone.name].get(resource, 0.0) / capacity
        utilization[zone.name] = row
    return utilization


def spreads(utilization: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """resource -> max minus min utilization over the zones that have capacity for it."""
    values: dict[str, list[float]] = {}
    for row in utilization.values():
        for resource, value in row.items():
            values.setdefault(resource, []).append(value)
    return {resource: max(v) - min(v) for resource, v in sorted(values.items())}


def imbalance(utilization: Mapping[str, Mapping[str, float]]) -> float:
    """The largest spread over all resources; 0 is perfectly even."""
    return max(spreads(utilization).values(), default=0.0)
