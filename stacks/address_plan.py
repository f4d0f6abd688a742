"""The deterministic address plan: tenant and network prefixes derived from region prefixes by slot.

A tenant's prefixes depend only on its region's prefix and its own slot, never on other tenants,
so adding or removing a tenant renumbers nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import TypeVar

from stacks.problem import Problem
from stacks.region import Region
from stacks.spec import StackSpec
from stacks.tenant import IpStack, Network, Tenant

N = TypeVar("N", IPv4Network, IPv6Network)


@dataclass(frozen=True)
class NetworkPrefixes:
    """The prefixes planned for one network: its IPv6 subnet and, when dual-stack, its IPv4 subnet."""

    network: str
    ipv6: IPv6Network
    ipv4: IPv4Network | None


@dataclass(frozen=True)
class TenantPrefixes:
    """The prefixes planned for one tenant in a region, and for each of its networks."""

    tenant: str
    region: str
    ipv6: IPv6Network
    ipv4: IPv4Network | None
    networks: tuple[NetworkPrefixes, ...]


def nth_subnet(parent: N, prefix_length: int, index: int) -> N:
    """The ``index``-th subnet of length ``prefix_length`` inside ``parent``.

    Raises ValueError when the parent holds fewer than ``index + 1`` such subnets.
    """
    if prefix_length < parent.prefixlen:
        raise ValueError(f"/{prefix_length} is larger than {parent}")
    count = subnet_count(parent, prefix_length)
    if not 0 <= index < count:
        raise ValueError(f"{parent} holds {count} /{prefix_length} blocks; slot {index} is outside")
    first = next(parent.subnets(new_prefix=prefix_length))
    start = parent.network_address + index * first.num_addresses
    return ip_network((start, prefix_length))  # type: ignore[return-value]


def subnet_count(parent: IPv4Network | IPv6Network, prefix_length: int) -> int:
    """How many /prefix_length blocks ``parent`` holds."""
    return 2 ** (prefix_length - parent.prefixlen) if prefix_length >= parent.prefixlen else 0


def tenant_prefixes(region: Region, tenant: Tenant) -> TenantPrefixes:
    """The prefixes of ``tenant`` and of each of its networks. Assumes a checked spec."""
    lengths = region.prefix_lengths
    ipv6 = nth_subnet(region.ipv6_prefix, lengths.tenant_ipv6, tenant.slot)
    ipv4 = (
        nth_subnet(region.ipv4_prefix, lengths.tenant_ipv4, tenant.slot)
        if region.ipv4_prefix is not None
        else None
    )
    networks = tuple(_network_prefixes(region, ipv6, ipv4, net) for net in tenant.networks)
    return TenantPrefixes(tenant.name, region.name, ipv6, ipv4, networks)


def _network_prefixes(
    region: Region, ipv6: IPv6Network, ipv4: IPv4Network | None, network: Network
) -> NetworkPrefixes:
    lengths = region.prefix_lengths
    net6 = nth_subnet(ipv6, lengths.network_ipv6, network.slot)
    net4 = None
    if network.stack is IpStack.DUAL_STACK and ipv4 is not None:
        net4 = nth_subnet(ipv4, lengths.network_ipv4, network.slot)
    return NetworkPrefixes(network.name, net6, net4)


def address_plan(spec: StackSpec) -> tuple[TenantPrefixes, ...]:
    """Every tenant's prefixes, in file order. Assumes a checked spec."""
    return tuple(tenant_prefixes(spec.region(t.home_region), t) for t in spec.tenants)


def check_address_plan(spec: StackSpec) -> list[Problem]:
    """Slots that fall outside their prefix, networks that need IPv4 where there is none, overlaps."""
    problems: list[Problem] = []
    regions = {r.name: r for r in spec.regions}
    for ri, region in enumerate(spec.regions):
        lengths = region.prefix_lengths
        if lengths.tenant_ipv6 < region.ipv6_prefix.prefixlen:
            problems.append(
                Problem(
                    ("regions", ri, "prefix_lengths", "tenant_ipv6"),
                    f"/{lengths.tenant_ipv6} tenant blocks do not fit in {region.ipv6_prefix}",
                )
            )
        if region.ipv4_prefix is not None and lengths.tenant_ipv4 < region.ipv4_prefix.prefixlen:
            problems.append(
                Problem(
                    ("regions", ri, "prefix_lengths", "tenant_ipv4"),
                    f"/{lengths.tenant_ipv4} tenant blocks do not fit in {region.ipv4_prefix}",
                )
            )
        if lengths.network_ipv4 < lengths.tenant_ipv4:
            problems.append(
                Problem(
                    ("regions", ri, "prefix_lengths", "network_ipv4"),
                    f"/{lengths.network_ipv4} networks do not fit in /{lengths.tenant_ipv4} tenant blocks",
                )
            )
    for other_index, region in enumerate(spec.regions):
        for ri in range(other_index):
            earlier = spec.regions[ri]
            for attr in ("ipv6_prefix", "ipv4_prefix"):
                mine, theirs = getattr(region, attr), getattr(earlier, attr)
                if mine is not None and theirs is not None and mine.overlaps(theirs):
                    problems.append(
                        Problem(
                            ("regions", other_index, attr),
                            f"{mine} overlaps {theirs} of region {earlier.name!r}",
                        )
                    )
    if problems:
        return problems

    for ti, tenant in enumerate(spec.tenants):
        region = regions.get(tenant.home_region)
        if region is None:
            continue  # reported by the reference check
        problems.extend(_check_tenant_slots(region, tenant, ti))
    return problems


def _check_tenant_slots(region: Region, tenant: Tenant, ti: int) -> list[Problem]:
    lengths = region.prefix_lengths
    problems: list[Problem] = []
    capacity6 = subnet_count(region.ipv6_prefix, lengths.tenant_ipv6)
    limits = [capacity6]
    if region.ipv4_prefix is not None:
        limits.append(subnet_count(region.ipv4_prefix, lengths.tenant_ipv4))
    if tenant.slot >= min(limits):
        problems.append(
            Problem(
                ("tenants", ti, "slot"),
                f"slot {tenant.slot} is outside region {region.name!r}: its prefixes hold "
                f"{min(limits)} tenant blocks (slots 0-{min(limits) - 1})",
            )
        )
    networks6 = subnet_count(nth_subnet(region.ipv6_prefix, lengths.tenant_ipv6, 0), 64)
    networks4 = 2 ** (lengths.network_ipv4 - lengths.tenant_ipv4)
    for ni, network in enumerate(tenant.networks):
        path = ("tenants", ti, "networks", ni)
        dual = network.stack is IpStack.DUAL_STACK
        if dual and region.ipv4_prefix is None:
            problems.append(
                Problem(
                    (*path, "stack"),
                    f"dual-stack needs an IPv4 prefix, and region {region.name!r} has none",
                )
            )
        limit = min(networks6, networks4) if dual else networks6
        if network.slot >= limit:
            problems.append(
                Problem(
                    (*path, "slot"),
                    f"slot {network.slot} is outside the tenant's block, which holds {limit} networks",
                )
            )
    return problems
