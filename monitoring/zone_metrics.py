"""Zone figures (capacity, allocations, utilization, imbalance, failover spare) and their collector."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric

from monitoring.headroom import failover_spare
from scheduler.model.imbalance import imbalance, spreads, zone_utilization
from scheduler.model.inventory import Inventory
from scheduler.model.resource import resource as resource_named


@dataclass(frozen=True)
class ZoneSummary:
    """A zone's hosts and workloads."""

    zone: str
    region: str
    hosts: int
    schedulable_hosts: int
    workloads: int


@dataclass(frozen=True)
class ZoneResource:
    """One resource of one zone; amounts in the base unit ``unit``.

    ``utilization`` is exactly the imbalance of docs/contracts.md's util (None when the zone has no capacity for it).
    ``capacity`` is after overcommit (as the inventory states it), ``physical_capacity`` before it
    (each host's capacity / allocation ratio); ``overcommit`` is their quotient (None without physical
    capacity).
    """

    zone: str
    region: str
    resource: str
    unit: str
    capacity: float
    physical_capacity: float
    overcommit: float | None
    allocated: float
    utilization: float | None
    failover_spare: float


@dataclass(frozen=True)
class ZoneFigures:
    """Everything the zone collector exports, computed once per inventory refresh."""

    zones: tuple[ZoneSummary, ...]
    resources: tuple[ZoneResource, ...]
    spreads: Mapping[str, float]
    imbalance: float


def zone_figures(inv: Inventory) -> ZoneFigures:
    """Measure every zone of ``inv``."""
    utilization = zone_utilization(inv)
    spare = failover_spare(inv)
    allocated: dict[str, dict[str, float]] = {zone.name: {} for zone in inv.zones}
    workloads = dict.fromkeys(allocated, 0)
    for workload in inv.workloads:
        zone = inv.zone_of(workload.host)
        workloads[zone] += 1
        row = allocated[zone]
        for resource, amount in workload.requests.items():
            row[resource] = row.get(resource, 0.0) + amount
    summaries: list[ZoneSummary] = []
    rows: list[ZoneResource] = []
    for zone in inv.zones:
        region = zone.region or ""
        summaries.append(
            ZoneSummary(
                zone.name,
                region,
                len(zone.hosts),
                sum(1 for h in zone.hosts if h.schedulable),
                workloads[zone.name],
            )
        )
        for resource in inv.resources:
            unit = resource_named(resource)
            capacity = sum(host.capacity.get(resource, 0.0) for host in zone.hosts)
            physical = sum(host.physical(resource) for host in zone.hosts)
            rows.append(
                ZoneResource(
                    zone=zone.name,
                    region=region,
                    resource=resource,
                    unit=unit.unit,
                    capacity=capacity * unit.factor,
                    physical_capacity=physical * unit.factor,
                    overcommit=capacity / physical if physical > 0 else None,
                    allocated=allocated[zone.name].get(resource, 0.0) * unit.factor,
                    utilization=utilization[zone.name].get(resource),
                    failover_spare=spare[zone.name][resource] * unit.factor,
                )
            )
    return ZoneFigures(tuple(summaries), tuple(rows), spreads(utilization), imbalance(utilization))


_ZONE = ("zone", "region")
_ZONE_RESOURCE = ("zone", "region", "resource", "unit")


def zone_families(figures: ZoneFigures) -> Iterator[Metric]:
    """Fresh metric families for ``figures``."""
    info = GaugeMetricFamily("govcloud_zone_info", "Zones and their region (always 1).", labels=_ZONE)
    hosts = GaugeMetricFamily(
        "govcloud_zone_hosts",
        "Hosts in the zone, by whether they may receive workloads.",
        labels=(*_ZONE, "schedulable"),
    )
    workloads = GaugeMetricFamily("govcloud_zone_workloads", "Workloads running in the zone.", labels=_ZONE)
    for z in figures.zones:
        info.add_metric((z.zone, z.region), 1)
        hosts.add_metric((z.zone, z.region, "true"), z.schedulable_hosts)
        hosts.add_metric((z.zone, z.region, "false"), z.hosts - z.schedulable_hosts)
        workloads.add_metric((z.zone, z.region), z.workloads)
    yield from (info, hosts, workloads)

    capacity = GaugeMetricFamily(
        "govcloud_zone_capacity",
        "Capacity of all hosts in the zone (after overcommit, as the inventory states it), in `unit`.",
        labels=_ZONE_RESOURCE,
    )
    physical = GaugeMetricFamily(
        "govcloud_zone_physical_capacity",
        "Capacity of all hosts in the zone before overcommit (capacity / allocation ratio), in `unit`.",
        labels=_ZONE_RESOURCE,
    )
    overcommit = GaugeMetricFamily(
        "govcloud_zone_overcommit_ratio",
        "Capacity / physical capacity of the zone's hosts (1 = no overcommit); absent without capacity.",
        labels=("zone", "resource"),
    )
    allocated = GaugeMetricFamily(
        "govcloud_zone_allocated",
        "Sum of requests of the workloads in the zone, in `unit`.",
        labels=_ZONE_RESOURCE,
    )
    spare = GaugeMetricFamily(
        "govcloud_zone_failover_spare",
        "If this zone failed: room left on the other zones' schedulable hosts to absorb its load, in `unit`.",
        labels=_ZONE_RESOURCE,
    )
    utilization = GaugeMetricFamily(
        "govcloud_zone_utilization_ratio",
        "Requests / capacity of the zone's hosts (docs/contracts.md, imbalance); absent without capacity.",
        labels=("zone", "resource"),
    )
    for row in figures.resources:
        labels = (row.zone, row.region, row.resource, row.unit)
        capacity.add_metric(labels, row.capacity)
        physical.add_metric(labels, row.physical_capacity)
        if row.overcommit is not None:
            overcommit.add_metric((row.zone, row.resource), row.overcommit)
        allocated.add_metric(labels, row.allocated)
        spare.add_metric(labels, row.failover_spare)
        if row.utilization is not None:
            utilization.add_metric((row.zone, row.resource), row.utilization)
    yield from (capacity, physical, overcommit, allocated, spare, utilization)

    spread = GaugeMetricFamily(
        "govcloud_zone_imbalance_ratio",
        "Spread of zone utilization for one resource: max minus min over zones.",
        labels=("resource",),
    )
    for resource, value in figures.spreads.items():
        spread.add_metric((resource,), value)
    yield spread
    yield GaugeMetricFamily(
        "govcloud_imbalance_ratio",
        "Imbalance: the largest spread over all resources (0 = even).",
        value=figures.imbalance,
    )
