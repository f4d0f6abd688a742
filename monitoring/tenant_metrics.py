"""Tenant figures (quota limit and usage per zone and resource) and their collector."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric

from scheduler.model.inventory import Inventory
from scheduler.model.resource import resource as resource_named


@dataclass(frozen=True)
class TenantResource:
    """A tenant's use of one resource in one zone, and its quota there (None = unlimited); base units."""

    tenant: str
    zone: str
    resource: str
    unit: str
    usage: float
    limit: float | None


@dataclass(frozen=True)
class TenantFigures:
    """Everything the tenant collector exports, computed once per inventory refresh."""

    resources: tuple[TenantResource, ...]
    workloads: tuple[tuple[str, str, int], ...]  # (tenant, zone, count)


def tenant_figures(inv: Inventory) -> TenantFigures:
    """Each tenant's usage per zone and resource, with its quota where one is set.

    A row exists wherever the tenant uses something or has a quota; workloads without a tenant are
    left out.
    """
    usage: dict[tuple[str, str, str], float] = {}
    counts: dict[tuple[str, str], int] = {}
    for workload in inv.workloads:
        if workload.tenant is None:
            continue
        zone = inv.zone_of(workload.host)
        counts[workload.tenant, zone] = counts.get((workload.tenant, zone), 0) + 1
        for resource, amount in workload.requests.items():
            key = (workload.tenant, zone, resource)
            usage[key] = usage.get(key, 0.0) + amount
    limits: dict[tuple[str, str, str], float] = {}
    for tenant in inv.tenants:
        for zone, caps in tenant.quota.items():
            for resource, cap in caps.items():
                limits[tenant.name, zone, resource] = cap
    rows = []
    for key in sorted(usage.keys() | limits.keys()):
        tenant, zone, resource = key
        unit = resource_named(resource)
        limit = limits.get(key)
        rows.append(
            TenantResource(
                tenant,
                zone,
                resource,
                unit.unit,
                usage.get(key, 0.0) * unit.factor,
                None if limit is None else limit * unit.factor,
            )
        )
    workloads = tuple((tenant, zone, n) for (tenant, zone), n in sorted(counts.items()))
    return TenantFigures(tuple(rows), workloads)


_LABELS = ("tenant", "zone", "resource", "unit")


def tenant_families(figures: TenantFigures) -> Iterator[Metric]:
    """Fresh metric families for ``figures``."""
    limit = GaugeMetricFamily(
        "govcloud_tenant_quota_limit",
        "The tenant's quota for the resource in the zone, in `unit` (absent = unlimited).",
        labels=_LABELS,
    )
    usage = GaugeMetricFamily(
        "govcloud_tenant_usage",
        "Sum of requests of the tenant's workloads in the zone, in `unit`.",
        labels=_LABELS,
    )
    for row in figures.resources:
        labels = (row.tenant, row.zone, row.resource, row.unit)
        usage.add_metric(labels, row.usage)
        if row.limit is not None:
            limit.add_metric(labels, row.limit)
    workloads = GaugeMetricFamily(
        "govcloud_tenant_workloads", "Workloads of the tenant running in the zone.", labels=("tenant", "zone")
    )
    for tenant, zone, count in figures.workloads:
        workloads.add_metric((tenant, zone), count)
    yield from (limit, usage, workloads)
