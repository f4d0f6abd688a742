"""no-overlapping-prefixes: no two subnets, and no two subnet pools, share an address.

A subnet inside its region's pool is the plan working, not an overlap: subnets are compared with
subnets and pools with pools. Prefixes still unknown during preview are left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.props import UNKNOWN
from policies.scope import StackIndex, label
from policies.tokens import SUBNET, SUBNET_POOL

NAME = "no-overlapping-prefixes"


@dataclass(frozen=True)
class Prefix:
    """An address block one subnet or subnet pool declares (``owner`` names the resource in reports)."""

    network: IPv4Network | IPv6Network
    urn: str
    owner: str

    @property
    def last(self) -> int:
        return int(self.network.broadcast_address)


def overlaps(prefixes: Sequence[Prefix]) -> Iterator[tuple[Prefix, Prefix]]:
    """Pairs (earlier, later) that share addresses, found by one sweep in address order.

    A sequence, not any iterable: it is read once per IP version.
    """
    for version in (4, 6):
        ordered = sorted(
            (p for p in prefixes if p.network.version == version),
            key=lambda p: (int(p.network.network_address), p.network.prefixlen),
        )
        widest: Prefix | None = None
        for prefix in ordered:
            if widest is not None and int(prefix.network.network_address) <= widest.last:
                yield widest, prefix
            if widest is None or prefix.last > widest.last:
                widest = prefix


def declared_prefixes(
    index: StackIndex, resource_type: str, key: str, report: ReportViolation
) -> list[Prefix]:
    """The known prefixes under ``key`` of every resource of one type; invalid ones are reported."""
    prefixes: list[Prefix] = []
    for resource in index.of_type(resource_type):
        value = index.props(resource).get(key)
        for raw in value if isinstance(value, list) else [value]:
            if raw is None or raw is UNKNOWN:
                continue
            try:
                network = ip_network(str(raw), strict=True)
            except ValueError as error:
                report(f"{label(resource)} has an invalid prefix {raw!r}: {error}", resource.urn)
                continue
            prefixes.append(Prefix(network, resource.urn, label(resource)))
    return prefixes


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex(args.resources)
    for resource_type, key in ((SUBNET, "cidr"), (SUBNET_POOL, "prefixes")):
        for first, second in overlaps(declared_prefixes(index, resource_type, key, report)):
            report(
                f"{second.owner} {second.network} overlaps {first.owner} {first.network}",
                second.urn,
            )


POLICY = StackValidationPolicy(
    name=NAME,
    description="No two subnets, and no two subnet pools, in the stack have overlapping prefixes.",
    validate=validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation_steps=(
        "Take every prefix from the deterministic address plan (region prefix, tenant slot, network "
        "slot): give the tenant or network a free slot rather than writing a prefix by hand."
    ),
)
