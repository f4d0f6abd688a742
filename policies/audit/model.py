"""What an audit observed in the live cloud: plain records, built by a reader or by hand in tests.

Every collection is keyed the way the rules look things up (projects by name, containers by region
and name). ``None`` for a value means "not there" (a missing project, container or encryption spec).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RoleAssignment:
    """A group holding a role on a project (names, as the stack file writes them)."""

    group: str
    role: str


@dataclass(frozen=True)
class ObservedProject:
    id: str
    name: str
    tags: tuple[str, ...] = ()
    roles: frozenset[RoleAssignment] = frozenset()


@dataclass(frozen=True)
class ObservedSubnet:
    name: str
    cidr: str
    ip_version: int
    ipv6_ra_mode: str | None = None
    ipv6_address_mode: str | None = None


@dataclass(frozen=True)
class ObservedNetwork:
    project: str
    """The owning project's name."""
    name: str
    subnets: tuple[ObservedSubnet, ...] = ()


@dataclass(frozen=True)
class ObservedRule:
    """One security group rule of a tenant project, as Neutron returns it."""

    project: str
    security_group: str
    id: str
    direction: str
    ethertype: str
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    remote_address_group_id: str | None = None


@dataclass(frozen=True)
class ObservedContainer:
    """A Swift container of the backup account: its sync and versioning headers."""

    region: str
    account: str
    name: str
    sync_to: str | None = None
    sync_key: str | None = None
    history_location: str | None = None


@dataclass(frozen=True)
class ObservedEncryption:
    provider: str | None
    cipher: str | None
    key_size: int | None
    control_location: str | None


@dataclass(frozen=True)
class ObservedVolumeType:
    name: str
    region: str
    is_public: bool
    projects: frozenset[str] = frozenset()
    """Names of the projects given access to a private type."""
    encryption: ObservedEncryption | None = None


@dataclass(frozen=True)
class ObservedServer:
    project: str
    name: str
    id: str
    zone: str


@dataclass(frozen=True)
class ObservedVolume:
    """A Cinder volume of a project and the storage availability zone it lives in."""

    project: str
    name: str
    id: str
    zone: str


@dataclass(frozen=True)
class ObservedCloud:
    """Everything an audit looks at, as observed at one moment."""

    projects: Mapping[str, ObservedProject] = field(default_factory=dict)
    """By project name."""
    quotas: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """project name -> ``service.field`` (``compute.cores``, ``object.bytes``) -> limit."""
    networks: tuple[ObservedNetwork, ...] = ()
    rules: tuple[ObservedRule, ...] = ()
    containers: Mapping[tuple[str, str], ObservedContainer] = field(default_factory=dict)
    """By (region, container name), in the backup account of each region."""
    backup_accounts: Mapping[str, str] = field(default_factory=dict)
    """region -> the Swift account (``AUTH_...``) holding the backup containers."""
    volume_types: Mapping[str, ObservedVolumeType] = field(default_factory=dict)
    """By volume type name."""
    servers: tuple[ObservedServer, ...] = ()
    volumes: tuple[ObservedVolume, ...] = ()

    def network(self, project: str, name: str) -> ObservedNetwork | None:
        return next((n for n in self.networks if n.project == project and n.name == name), None)
