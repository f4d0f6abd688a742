"""Quotas promised in a region, summed against what its zones can hold after overcommit."""

from __future__ import annotations

from dataclasses import dataclass

from stacks.problem import Problem, Severity
from stacks.spec import StackSpec


@dataclass(frozen=True)
class ResourceTotals:
    """One resource in one region: physical capacity, capacity after overcommit, quotas promised."""

    region: str
    resource: str
    unit: str
    capacity: float
    allocatable: float
    promised: float

    @property
    def ratio(self) -> float:
        """Quotas promised per unit allocatable (above 1.0 is over-promised)."""
        if not self.allocatable:
            return float("inf") if self.promised else 0.0
        return self.promised / self.allocatable


def region_totals(spec: StackSpec) -> tuple[ResourceTotals, ...]:
    """Per region, per resource (vcpu, ram, volume): capacity, allocatable and promised quota."""
    totals: list[ResourceTotals] = []
    for region in spec.regions:
        tenants = spec.tenants_in(region.name)
        zones = region.zones
        rows = (
            ("vcpu", "cores", sum(z.capacity.vcpu for z in zones), sum(z.allocatable_vcpu for z in zones),
             sum(t.quotas.compute.cores for t in tenants)),
            ("ram", "GiB", sum(z.capacity.ram_gib for z in zones), sum(z.allocatable_ram_gib for z in zones),
             sum(t.quotas.compute.ram_gib for t in tenants)),
            ("volume", "GiB", sum(z.capacity.volume_gib for z in zones),
             sum(z.allocatable_volume_gib for z in zones),
             sum(t.quotas.block_storage.gigabytes for t in tenants)),
        )  # fmt: skip
        totals.extend(ResourceTotals(region.name, *row) for row in rows)
    return tuple(totals)


def check_capacity(spec: StackSpec) -> list[Problem]:
    """Regions whose tenants were promised more than capacity x overcommit."""
    severity = Severity.WARNING if spec.cloud.overcommit_allowed else Severity.ERROR
    index = {r.name: i for i, r in enumerate(spec.regions)}
    problems = []
    for row in region_totals(spec):
        if row.promised > row.allocatable:
            problems.append(
                Problem(
                    ("regions", index[row.region], "zones"),
                    f"tenants homed here are promised {row.promised:g} {row.unit} of {row.resource}, "
                    f"more than the zones' {row.allocatable:g} after overcommit"
                    + (" (allowed by cloud.overcommit_allowed)" if severity is Severity.WARNING else ""),
                    severity,
                )
            )
    return problems
