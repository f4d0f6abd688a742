"""The live OpenStack inventory: hypervisors, their zones and capacities, and the servers on them.

Read through openstacksdk (admin credentials): hypervisors and availability zones from Nova's host
aggregates, capacities from Placement inventories ((total - reserved) x allocation ratio), servers
with their embedded flavors, Keystone projects as tenants, anti-affinity server groups as replica
groups. Residency comes from the server metadata key ``govcloud:allowed_zones`` (comma separated),
or else from the tenant's classification zones in the stack file; the stack file also gives each
tenant its per-zone caps. Resources get the canonical names of :mod:`scheduler.model.resource`: ``cpu`` and ``memory_gib``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scheduler.model.inventory import Host, Inventory, InventoryTenant, InventoryZone, Workload
from scheduler.model.residency import stack_residency
from scheduler.model.resource import CPU, MEMORY
from stacks.spec import StackSpec

ALLOWED_ZONES_KEY = "govcloud:allowed_zones"
MOVABLE_KEY = "govcloud:movable"
DEFAULT_ZONE = "nova"  # Nova's zone for hosts in no zoned aggregate
MIB_PER_GIB = 1024.0
MIGRATING = "migrating"


class OpenStackSourceError(Exception):
    """The cloud answered with something the inventory cannot describe (named in the message)."""


@dataclass(frozen=True)
class ServerRef:
    """How a workload name maps back to a Nova server."""

    id: str
    name: str
    project_id: str | None


def workload_names(servers: Iterable[Any], project_names: Mapping[str, str]) -> dict[str, ServerRef]:
    """Workload name -> server: ``project/server-name``, with ``@id-prefix`` when a name repeats.

    The executor rebuilds this same mapping from a fresh server list, so it stays stable across runs.
    """
    servers = sorted(servers, key=lambda s: s.id)
    base = {s.id: f"{project_names.get(s.project_id, s.project_id)}/{s.name}" for s in servers}
    repeats = Counter(base.values())
    names: dict[str, ServerRef] = {}
    for server in servers:
        name = base[server.id]
        if repeats[name] > 1:
            name = f"{name}@{server.id[:8]}"
        names[name] = ServerRef(server.id, server.name, server.project_id)
    return names


@dataclass(frozen=True)
class ProviderCapacity:
    """A resource provider's capacity after overcommit, and the overcommit ratios behind it."""

    capacity: dict[str, float]
    allocation_ratio: dict[str, float]


def provider_capacity(inventories: Mapping[str, Any]) -> ProviderCapacity:
    """Placement inventories (by resource class) -> ``cpu`` and ``memory_gib``: (total - reserved) x ratio."""
    capacity: dict[str, float] = {}
    ratios: dict[str, float] = {}
    for resource_class, resource, scale in (("VCPU", CPU.name, 1.0), ("MEMORY_MB", MEMORY.name, MIB_PER_GIB)):
        inv = inventories.get(resource_class)
        if inv is not None:
            usable = (inv.total - inv.reserved) * inv.allocation_ratio
            capacity[resource] = max(usable, 0.0) / scale
            if inv.allocation_ratio > 0:  # a 0 ratio leaves no capacity: nothing to divide back
                ratios[resource] = float(inv.allocation_ratio)
    return ProviderCapacity(capacity, ratios)


def tenant_caps(stack: StackSpec) -> dict[str, dict[str, dict[str, float]]]:
    """Per-zone caps from the stack: a tenant may use at most its compute quota in any home-region zone."""
    caps: dict[str, dict[str, dict[str, float]]] = {}
    for tenant in stack.tenants:
        region = stack.region(tenant.home_region)
        quota = {
            CPU.name: float(tenant.quotas.compute.cores),
            MEMORY.name: float(tenant.quotas.compute.ram_gib),
        }
        caps[tenant.name] = {zone.name: dict(quota) for zone in region.zones}
    return caps


class OpenStackSource:
    """An :class:`~scheduler.apply.source.InventorySource` reading a live cloud through openstacksdk.

    ``connection`` is an ``openstack.connection.Connection`` with admin rights; ``stack`` (optional)
    adds per-zone tenant caps and classification residency. A live migration in flight is waited for
    (up to ``settle_timeout`` seconds) so the inventory says where it ended: an applier resuming
    after a crash must see the outcome of the move it left running, not its start.
    """

    def __init__(
        self,
        connection: Any,
        *,
        stack: StackSpec | None = None,
        settle_timeout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.conn = connection
        self.stack = stack
        self.settle_timeout = settle_timeout
        self._clock = clock
        self._sleep = sleep

    def load(self) -> Inventory:
        from openstack import exceptions

        try:
            return self._load()
        except exceptions.SDKException as error:
            raise OpenStackSourceError(f"reading the OpenStack inventory failed: {error}") from error

    def _load(self) -> Inventory:
        compute = self.conn.compute
        host_zone = self._host_zones()
        hypervisors = list(compute.hypervisors(details=True))
        capacities = self._capacities()
        hosts_by_zone: dict[str, list[Host]] = defaultdict(list)
        for hyp in hypervisors:
            service = hyp.service_details or {}
            name = service.get("host") or hyp.name
            capacity = capacities.get(hyp.name)
            if capacity is None:
                raise OpenStackSourceError(f"hypervisor {hyp.name}: no resource provider in Placement")
            schedulable = hyp.status == "enabled" and hyp.state == "up"
            zone = host_zone.get(name, DEFAULT_ZONE)
            hosts_by_zone[zone].append(
                Host(name, zone, capacity.capacity, schedulable, capacity.allocation_ratio)
            )
        zones = tuple(
            InventoryZone(name, self._region_of(name), tuple(sorted(hosts, key=lambda h: h.name)))
            for name, hosts in sorted(hosts_by_zone.items())
        )
        known_hosts = {h.name for z in zones for h in z.hosts}

        projects = {p.id: p.name for p in self.conn.identity.projects()}
        servers = [s for s in self._settled_servers() if s.compute_host in known_hosts]
        names = workload_names(servers, projects)
        by_id = {s.id: s for s in servers}
        groups = self._anti_affinity_groups(projects)
        residency = stack_residency(self.stack) if self.stack else {}
        workloads = tuple(
            self._workload(name, by_id[ref.id], projects, groups, residency) for name, ref in names.items()
        )
        return Inventory(zones, self._tenants(projects, workloads), workloads)

    # --- pieces ------------------------------------------------------------------------------

    def _settled_servers(self) -> list[Any]:
        deadline = self._clock() + self.settle_timeout
        while True:
            servers = list(self.conn.compute.servers(details=True, all_projects=True))
            if not any(s.task_state == MIGRATING for s in servers) or self._clock() > deadline:
                return servers  # still migrating after the wait: reported where it is, not movable
            self._sleep(0.5)

    def _host_zones(self) -> dict[str, str]:
        zones: dict[str, str] = {}
        for agg in self.conn.compute.aggregates():
            if not agg.availability_zone:
                continue
            for host in agg.hosts or ():
                seen = zones.setdefault(host, agg.availability_zone)
                if seen != agg.availability_zone:
                    raise OpenStackSourceError(
                        f"host {host}: in two availability zones ({seen}, {agg.availability_zone})"
                    )
        return zones

    def _capacities(self) -> dict[str, ProviderCapacity]:
        placement = self.conn.placement
        out: dict[str, ProviderCapacity] = {}
        for provider in placement.resource_providers():
            inventories = {i.resource_class: i for i in placement.resource_provider_inventories(provider)}
            out[provider.name] = provider_capacity(inventories)
        return out

    def _region_of(self, zone: str) -> str | None:
        if self.stack is not None and any(z.name == zone for z in self.stack.zones):
            return self.stack.zone_region(zone).name
        return self.conn.config.get_region_name("compute") or None

    def _anti_affinity_groups(self, projects: Mapping[str, str]) -> dict[str, str]:
        """Server id -> group name, for members of anti-affinity server groups."""
        member_of: dict[str, str] = {}
        for group in self.conn.compute.server_groups(all_projects=True):
            policy = group.policy or (group.policies[0] if group.policies else None)
            if policy not in ("anti-affinity", "soft-anti-affinity"):
                continue
            name = f"{projects.get(group.project_id, group.project_id)}/{group.name}"
            for member in group.member_ids or ():
                member_of[member] = name
        return member_of

    def _workload(
        self,
        name: str,
        server: Any,
        projects: Mapping[str, str],
        groups: Mapping[str, str],
        residency: Mapping[str, frozenset[str]],
    ) -> Workload:
        tenant = projects.get(server.project_id, server.project_id)
        flavor = server.flavor
        if flavor is None or flavor.vcpus is None or flavor.ram is None:
            raise OpenStackSourceError(f"server {server.id} ({name}): no embedded flavor")
        metadata = server.metadata or {}
        allowed = residency.get(tenant)
        if ALLOWED_ZONES_KEY in metadata:
            allowed = frozenset(z.strip() for z in metadata[ALLOWED_ZONES_KEY].split(",") if z.strip())
        movable = (
            server.status == "ACTIVE"
            and server.task_state is None
            and metadata.get(MOVABLE_KEY, "true").lower() != "false"
        )
        return Workload(
            name=name,
            tenant=tenant,
            host=server.compute_host,
            requests={CPU.name: float(flavor.vcpus), MEMORY.name: flavor.ram / MIB_PER_GIB},
            group=groups.get(server.id),
            allowed_zones=allowed,
            movable=movable,
        )

    def _tenants(
        self, projects: Mapping[str, str], workloads: tuple[Workload, ...]
    ) -> tuple[InventoryTenant, ...]:
        caps = tenant_caps(self.stack) if self.stack else {}
        used = {w.tenant for w in workloads if w.tenant is not None}
        names = sorted(used | (set(caps) & set(projects.values())))
        return tuple(InventoryTenant(name, caps.get(name, {})) for name in names)
