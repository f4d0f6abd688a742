"""The human summary of a stack: regions and zones, tenants by level, quota totals, the address plan."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stacks import LoadedStack
from stacks.address_plan import address_plan
from stacks.capacity import region_totals
from stacks.classification import Level
from stacks.replica import backup_plan


def render_stack_summary(console: Console, stack: LoadedStack) -> None:
    """Print a valid stack: regions and zones, quotas against capacity, and the address plan."""
    spec = stack.spec
    title = spec.cloud.display_name or spec.cloud.name
    console.print(
        f"[bold]{escape(title)}[/] ({escape(spec.cloud.name)}) from {escape(stack.source)}: [green]valid[/]"
    )

    regions = Table(title="Regions and zones (capacity x overcommit)", title_justify="left")
    for column in ("region", "role", "IPv6", "IPv4", "zone"):
        regions.add_column(column, no_wrap=column.startswith("IP"))
    for column in ("vCPU", "RAM GiB", "volume GiB"):
        regions.add_column(column, justify="right")
    for region in spec.regions:
        zones = region.zones or (None,)
        for i, zone in enumerate(zones):
            head = (
                escape(region.name),
                region.role.value,
                str(region.ipv6_prefix),
                str(region.ipv4_prefix or "-"),
            )
            regions.add_row(
                *(head if i == 0 else ("",) * 4),
                escape(zone.name) if zone else "(object storage only)",
                _capacity(zone.capacity.vcpu, zone.overcommit.vcpu) if zone else "",
                _capacity(zone.capacity.ram_gib, zone.overcommit.ram) if zone else "",
                _capacity(zone.capacity.volume_gib, zone.overcommit.volume) if zone else "",
            )
    console.print(regions)

    levels = Counter(t.classification for t in spec.tenants)
    console.print(
        "Tenants: "
        + ", ".join(f"{levels.get(level, 0)} {level.value}" for level in Level)
        + f" ({len(spec.tenants)} in all)"
    )

    totals = Table(title="Quotas promised against capacity after overcommit", title_justify="left")
    for column in ("region", "resource", "promised", "allocatable", "ratio"):
        totals.add_column(column, justify="left" if column in ("region", "resource") else "right")
    for row in region_totals(spec):
        if not row.allocatable and not row.promised:
            continue
        style = "red" if row.ratio > 1 else ("yellow" if row.ratio > 0.85 else "")
        totals.add_row(
            escape(row.region),
            escape(f"{row.resource} ({row.unit})"),
            f"{row.promised:,.0f}",
            f"{row.allocatable:,.0f}",
            f"[{style}]{row.ratio:.0%}[/]" if style else f"{row.ratio:.0%}",
        )
    console.print(totals)

    plan = Table(title="Address plan (tenant prefix, then one row per network)", title_justify="left")
    plan.add_column("tenant")
    plan.add_column("level")
    plan.add_column("slot", justify="right")
    plan.add_column("network")
    plan.add_column("IPv6", no_wrap=True)
    plan.add_column("IPv4", no_wrap=True)
    plan.add_column("replicas")
    for tenant, prefixes in zip(spec.tenants, address_plan(spec), strict=True):
        backup = backup_plan(spec, tenant)
        plan.add_row(
            escape(f"{tenant.name}\n{tenant.display_name}"),
            tenant.classification.value,
            str(tenant.slot),
            escape(f"({tenant.home_region})"),
            str(prefixes.ipv6),
            str(prefixes.ipv4 or "-"),
            escape(_replicas(backup.replica_regions)),
            end_section=not prefixes.networks,
        )
        for i, net in enumerate(prefixes.networks):
            plan.add_row(
                "", "", "", escape(net.network), str(net.ipv6), str(net.ipv4 or "-"), "",
                end_section=i == len(prefixes.networks) - 1,
            )  # fmt: skip
    console.print(plan)


def _capacity(physical: int, ratio: float) -> str:
    return f"{physical:,}" if ratio == 1 else f"{physical:,} x{ratio:g}"


def _replicas(regions: tuple[str, ...]) -> str:
    counts = Counter(regions)
    return ", ".join(f"{region} x{n}" if n > 1 else region for region, n in counts.items()) or "-"
