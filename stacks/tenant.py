"""Tenants: the agencies sharing the cloud, with their quotas, networks and backup needs."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from stacks.base import Bytes, Count, PositiveCount, SpecModel
from stacks.classification import Level
from stacks.names import GroupName, ShortName


class ComputeQuota(SpecModel):
    cores: Count
    ram_gib: Count
    instances: Count


class NetworkQuota(SpecModel):
    networks: Count
    subnets: Count
    ports: Count
    routers: Count
    security_groups: Count
    floating_ips: Count


class BlockStorageQuota(SpecModel):
    volumes: Count
    gigabytes: Count
    snapshots: Count
    backups: Count


class ObjectStorageQuota(SpecModel):
    bytes: Bytes = Field(description='Swift account byte quota; "10TiB" or a number of bytes.')


class Quotas(SpecModel):
    """Every quota a tenant gets. None may be unlimited: a shared cloud must be fair."""

    compute: ComputeQuota
    network: NetworkQuota
    block_storage: BlockStorageQuota
    object_storage: ObjectStorageQuota


class IpStack(StrEnum):
    DUAL_STACK = "dual-stack"
    IPV6_ONLY = "ipv6-only"


class Ipv6Mode(StrEnum):
    """Router advertisement and address mode of an IPv6 subnet (Neutron uses one value for both)."""

    SLAAC = "slaac"
    DHCPV6_STATEFUL = "dhcpv6-stateful"
    DHCPV6_STATELESS = "dhcpv6-stateless"


class Network(SpecModel):
    """A tenant network. Its slot fixes its /64 inside the tenant prefix forever."""

    name: ShortName
    slot: Annotated[int, Field(ge=0)]
    stack: IpStack = IpStack.DUAL_STACK
    ipv6_mode: Ipv6Mode = Ipv6Mode.SLAAC


class Groups(SpecModel):
    """Groups of the unified identity system that administer or use the tenant's project."""

    admin: tuple[GroupName, ...] = Field(min_length=1)
    member: tuple[GroupName, ...] = ()


class BackupOverride(SpecModel):
    """A tenant's own backup settings, replacing its classification's defaults field by field."""

    replicas: Annotated[Count, Field(le=8)] | None = None
    regions: tuple[ShortName, ...] | None = Field(
        default=None, description="Regions to hold the replicas, in order; default: every backup-site region."
    )
    rpo_minutes: PositiveCount | None = None


class Tenant(SpecModel):
    """An agency: one Keystone project with its quotas, networks and data protection."""

    name: ShortName
    display_name: str = Field(min_length=1, max_length=255)
    classification: Level
    home_region: ShortName
    slot: Annotated[int, Field(ge=0)] = Field(
        description="Fixes the tenant's prefixes inside its home region; never reuse or change it."
    )
    groups: Groups
    quotas: Quotas
    networks: tuple[Network, ...] = ()
    backup: BackupOverride | None = None
    former_names: tuple[ShortName, ...] = Field(
        default=(),
        description=(
            "Names this tenant was deployed under before a rename: the program aliases every resource of "
            "the tenant to its old name, so Pulumi renames them in place instead of replacing them."
        ),
    )
