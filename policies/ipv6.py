"""ipv6-required: every tenant network has an IPv6 subnet with an RA/address mode; ipv6-only means no IPv4."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.props import UNKNOWN, number, tag_value, tags
from policies.scope import StackIndex, label
from policies.tokens import NETWORK, SUBNET
from stacks import tags as tag

NAME = "ipv6-required"
IPV6_MODES = frozenset({"slaac", "dhcpv6-stateful", "dhcpv6-stateless"})


def subnets_by_network(index: StackIndex) -> dict[str, list[PolicyResource]]:
    """Each network's subnets, by network URN.

    The engine links a subnet to its network through the ``networkId`` dependency; without one, a
    subnet belongs to the network above it in the parent chain, or to the only network of its parent.
    """
    networks = list(index.of_type(NETWORK))
    urns = {n.urn for n in networks}
    only_network_of: dict[str, str] = {}
    counts: dict[str, int] = {}
    for network in networks:
        if network.parent is not None:
            counts[network.parent.urn] = counts.get(network.parent.urn, 0) + 1
            only_network_of[network.parent.urn] = network.urn
    found: dict[str, list[PolicyResource]] = {n.urn: [] for n in networks}
    for subnet in index.of_type(SUBNET):
        owner = _network_of(subnet, urns, only_network_of, counts)
        if owner is not None:
            found[owner].append(subnet)
    return found


def _network_of(
    subnet: PolicyResource, urns: set[str], only_network_of: dict[str, str], counts: dict[str, int]
) -> str | None:
    for dependency in subnet.property_dependencies.get("networkId", ()):
        if dependency.urn in urns:
            return dependency.urn
    ancestor = subnet.parent
    while ancestor is not None:
        if ancestor.urn in urns:
            return ancestor.urn
        ancestor = ancestor.parent
    parent = subnet.parent.urn if subnet.parent is not None else None
    if parent is not None and counts.get(parent) == 1:
        return only_network_of[parent]
    return None


def ip_version(props: dict) -> int | None:
    """4 or 6; Neutron's default is 4. None when unknown during preview."""
    value = props.get("ipVersion")
    if value is UNKNOWN:
        return None
    amount = number(value)
    return 4 if amount is None else int(amount)


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex(args.resources)
    for network_urn, subnets in subnets_by_network(index).items():
        network = index.by_urn[network_urn]
        props = index.props(network)
        if props.get("external") is True:
            continue
        ipv6_only = tag_value(tags(props), tag.IP_STACK) == tag.IPV6_ONLY
        usable_ipv6 = False
        for subnet in subnets:
            sprops = index.props(subnet)
            version = ip_version(sprops)
            if version == 4 and ipv6_only:
                report(f"{label(network)} is ipv6-only but has IPv4 {label(subnet)}", subnet.urn)
            if version != 6:
                continue
            ra, address = sprops.get("ipv6RaMode"), sprops.get("ipv6AddressMode")
            if ra is UNKNOWN or address is UNKNOWN:
                usable_ipv6 = True
                continue
            if ra not in IPV6_MODES or address not in IPV6_MODES:
                report(
                    f"IPv6 {label(subnet)} needs ipv6RaMode and ipv6AddressMode from "
                    f"{sorted(IPV6_MODES)} (has {ra!r} and {address!r})",
                    subnet.urn,
                )
            elif ra != address:
                report(
                    f"IPv6 {label(subnet)} advertises {ra!r} but assigns addresses by {address!r}; "
                    "hosts would not get addresses the way the router tells them to",
                    subnet.urn,
                )
            else:
                usable_ipv6 = True
        if not usable_ipv6 and not any(ip_version(index.props(s)) == 6 for s in subnets):
            report(f"{label(network)} has no IPv6 subnet", network.urn)


POLICY = StackValidationPolicy(
    name=NAME,
    description=(
        "Every tenant network has an IPv6 subnet with a router-advertisement and address mode; "
        "ipv6-only networks have no IPv4 subnet."
    ),
    validate=validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation_steps=(
        "Add a networking.Subnet with ipVersion 6, a /64 from the tenant's prefix and the same value "
        "(slaac, dhcpv6-stateless or dhcpv6-stateful) in ipv6RaMode and ipv6AddressMode; tag the network "
        "'ip-stack:ipv6-only' or 'ip-stack:dual-stack' and give ipv6-only networks no IPv4 subnet."
    ),
)
