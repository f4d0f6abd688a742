"""Regions and their availability zones: where capacity lives and which prefixes it numbers from."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator

from stacks.base import Count, Ratio, SpecModel
from stacks.names import ShortName


def _strict_prefix(kind: type[IPv4Network] | type[IPv6Network]):
    """Parse a prefix strictly, keeping ipaddress's own explanation (e.g. "has host bits set")."""

    def parse(value: object) -> object:
        if isinstance(value, str):
            try:
                return kind(value.strip())
            except ValueError as error:
                raise ValueError(f"{value!r} is not a valid {kind.__name__[:4]} prefix: {error}") from None
        return value

    return BeforeValidator(parse)


Ipv6Prefix = Annotated[IPv6Network, _strict_prefix(IPv6Network)]
Ipv4Prefix = Annotated[IPv4Network, _strict_prefix(IPv4Network)]


class SiteRole(StrEnum):
    """What a region is for: running workloads, or holding off-site copies of them."""

    PRIMARY = "primary"
    BACKUP = "backup"


class ZoneCapacity(SpecModel):
    """Physical capacity of one zone, before overcommit."""

    vcpu: Count
    ram_gib: Count
    volume_gib: Count


class Overcommit(SpecModel):
    """Allocation ratio per resource: how much may be promised per unit of physical capacity."""

    vcpu: Ratio = 1.0
    ram: Ratio = 1.0
    volume: Ratio = 1.0


class Zone(SpecModel):
    """An availability zone: a failure domain with its own capacity."""

    name: ShortName
    capacity: ZoneCapacity
    overcommit: Overcommit = Overcommit()

    @property
    def allocatable_vcpu(self) -> float:
        return self.capacity.vcpu * self.overcommit.vcpu

    @property
    def allocatable_ram_gib(self) -> float:
        return self.capacity.ram_gib * self.overcommit.ram

    @property
    def allocatable_volume_gib(self) -> float:
        return self.capacity.volume_gib * self.overcommit.volume


class PrefixLengths(SpecModel):
    """How large a block each tenant gets from the region prefix, and each network from its tenant."""

    tenant_ipv6: Annotated[int, Field(ge=8, le=64)] = 48
    tenant_ipv4: Annotated[int, Field(ge=8, le=30)] = 20
    network_ipv4: Annotated[int, Field(ge=8, le=30)] = 24

    @property
    def network_ipv6(self) -> int:
        """Always /64: SLAAC and neighbour discovery need it."""
        return 64


class Region(SpecModel):
    """A region (a data centre site) with its zones and address space."""

    name: ShortName
    role: SiteRole
    ipv6_prefix: Ipv6Prefix
    ipv4_prefix: Ipv4Prefix | None = None
    external_network: str = Field(min_length=1)
    prefix_lengths: PrefixLengths = PrefixLengths()
    zones: tuple[Zone, ...] = Field(
        default=(), description="Compute zones; a backup site may hold object storage only and have none."
    )
    retired_slots: tuple[Annotated[int, Field(ge=0)], ...] = Field(
        default=(),
        description="Tenant slots once used in this region and never to be given to another tenant: "
        "their prefixes may still be in firewalls, DNS and logs.",
    )

    @model_validator(mode="after")
    def _primary_has_zones(self) -> Region:
        if self.role is SiteRole.PRIMARY and not self.zones:
            raise ValueError("a primary region needs at least one zone")
        return self

    @field_validator("ipv6_prefix")
    @classmethod
    def _global_unicast(cls, prefix: IPv6Network) -> IPv6Network:
        if prefix.is_link_local or prefix.is_multicast or prefix.is_loopback:
            raise ValueError("must be a global or unique-local unicast prefix")
        return prefix
