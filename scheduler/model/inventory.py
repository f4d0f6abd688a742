"""The inventory: zones and their hosts, tenants with per-zone quotas, and the workloads placed on hosts.

All objects are frozen; mappings are read-only views so a planner can share them safely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from scheduler.model.columns import Columns, compile_columns


def frozen_mapping(values: Mapping[str, float]) -> Mapping[str, float]:
    """A read-only copy of ``values`` (floats)."""
    return MappingProxyType({key: float(value) for key, value in values.items()})


@dataclass(frozen=True)
class Host:
    """A hypervisor (or node): its zone, what it can hold, and whether it may receive workloads.

    ``capacity`` is what may be allocated, after overcommit; ``allocation_ratio`` says by how much each
    resource is overcommitted (1.0 when not named, and only ratios other than 1.0 are kept).
    """

    name: str
    zone: str
    capacity: Mapping[str, float]
    schedulable: bool = True
    allocation_ratio: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "capacity", frozen_mapping(self.capacity))
        for resource, ratio in self.allocation_ratio.items():
            if not ratio > 0:
                raise ValueError(f"host {self.name}: allocation ratio of {resource} must be > 0, got {ratio}")
        ratios = {r: ratio for r, ratio in self.allocation_ratio.items() if ratio != 1.0}
        object.__setattr__(self, "allocation_ratio", frozen_mapping(ratios))

    def ratio(self, resource: str) -> float:
        """The overcommit ratio of ``resource`` (1.0 when not named)."""
        return self.allocation_ratio.get(resource, 1.0)

    def physical(self, resource: str) -> float:
        """Capacity of ``resource`` before overcommit: capacity / allocation ratio (0 when not named)."""
        return self.capacity.get(resource, 0.0) / self.ratio(resource)


@dataclass(frozen=True)
class InventoryZone:
    """An availability zone and its hosts."""

    name: str
    region: str | None
    hosts: tuple[Host, ...]


@dataclass(frozen=True)
class InventoryTenant:
    """An agency. ``quota`` caps its requests per zone: zone -> resource -> cap (unnamed = unlimited)."""

    name: str
    quota: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        quota = {zone: frozen_mapping(caps) for zone, caps in self.quota.items()}
        object.__setattr__(self, "quota", MappingProxyType(quota))

    def cap(self, zone: str, resource: str) -> float | None:
        """The quota for ``resource`` in ``zone``, or None when unlimited."""
        caps = self.quota.get(zone)
        return None if caps is None else caps.get(resource)


@dataclass(frozen=True)
class Workload:
    """A VM or pod: who owns it, where it runs now, what it requests and how it may move."""

    name: str
    tenant: str | None
    host: str
    requests: Mapping[str, float]
    group: str | None = None
    allowed_zones: frozenset[str] | None = None
    movable: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "requests", frozen_mapping(self.requests))
        if self.allowed_zones is not None:
            object.__setattr__(self, "allowed_zones", frozenset(self.allowed_zones))

    def request(self, resource: str) -> float:
        """The request for ``resource`` (0 when not named)."""
        return self.requests.get(resource, 0.0)

    def may_enter(self, zone: str) -> bool:
        """Whether data residency lets this workload run in ``zone``."""
        return self.allowed_zones is None or zone in self.allowed_zones


@dataclass(frozen=True)
class Inventory:
    """Where everything runs now. Checked by :mod:`scheduler.model.inventory_file` when read from a file."""

    zones: tuple[InventoryZone, ...]
    tenants: tuple[InventoryTenant, ...] = ()
    workloads: tuple[Workload, ...] = ()

    @cached_property
    def _hosts(self) -> Mapping[str, Host]:
        return MappingProxyType({host.name: host for zone in self.zones for host in zone.hosts})

    @cached_property
    def _workloads(self) -> Mapping[str, Workload]:
        return MappingProxyType({w.name: w for w in self.workloads})

    @cached_property
    def _tenants(self) -> Mapping[str, InventoryTenant]:
        return MappingProxyType({t.name: t for t in self.tenants})

    @property
    def hosts(self) -> tuple[Host, ...]:
        """Every host, zone by zone."""
        return tuple(self._hosts.values())

    def host(self, name: str) -> Host:
        """The host called ``name`` (KeyError when unknown)."""
        return self._hosts[name]

    def zone(self, name: str) -> InventoryZone:
        """The zone called ``name`` (KeyError when unknown)."""
        for zone in self.zones:
            if zone.name == name:
                return zone
        raise KeyError(name)

    def zone_of(self, host_name: str) -> str:
        """The zone of the host called ``host_name``."""
        return self._hosts[host_name].zone

    def workload(self, name: str) -> Workload:
        """The workload called ``name`` (KeyError when unknown)."""
        return self._workloads[name]

    def tenant(self, name: str | None) -> InventoryTenant | None:
        """The tenant called ``name``, or None when it has no entry (no quota)."""
        return None if name is None else self._tenants.get(name)

    @cached_property
    def resources(self) -> tuple[str, ...]:
        """Every resource named by a host capacity or a workload request, sorted."""
        names = {r for host in self._hosts.values() for r in host.capacity}
        names.update(r for w in self.workloads for r in w.requests)
        return tuple(sorted(names))

    @cached_property
    def columns(self) -> Columns:
        """The workloads as numpy columns (hosts in the order of :attr:`hosts`), compiled on first use."""
        return compile_columns(self.workloads, self.host_indices, self.resources)

    @cached_property
    def host_indices(self) -> Mapping[str, int]:
        """host name -> its position in :attr:`hosts`."""
        return MappingProxyType({name: i for i, name in enumerate(self._hosts)})

    def with_placement(self, placement: Mapping[str, str]) -> Inventory:
        """A copy where each workload named in ``placement`` runs on the given host instead."""
        if not placement:
            return self
        workloads = tuple(
            Workload(w.name, w.tenant, placement[w.name], w.requests, w.group, w.allowed_zones, w.movable)
            if w.name in placement
            else w
            for w in self.workloads
        )
        return Inventory(self.zones, self.tenants, workloads)
