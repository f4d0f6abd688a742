"""Builds the observed-cloud model of an audit from a live OpenStack, through openstacksdk.

The only module of the audit that does I/O. It reads as a cloud administrator: Keystone projects
and group role assignments, Nova/Neutron/Cinder quotas and the Swift account byte quota in each
tenant's home region, networks, subnets and security group rules, the backup containers of the
platform's backup account in every region (their sync and history headers), volume types with their
encryption spec and access list, and every server and every volume with its availability zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from policies.audit.model import (
    ObservedCloud,
    ObservedContainer,
    ObservedEncryption,
    ObservedNetwork,
    ObservedProject,
    ObservedRule,
    ObservedServer,
    ObservedSubnet,
    ObservedVolume,
    ObservedVolumeType,
    RoleAssignment,
)
from stacks.naming import container_name, swift_account, versions_container_name
from stacks.replica import backup_plan
from stacks.spec import StackSpec

Connect = Callable[[str], Any]
"""region name -> an openstacksdk connection (an administrator's) for that region."""


class ReadError(Exception):
    """The cloud could not be read (unreachable, refused, or answered something unexpected)."""


class OpenStackReader:
    """Reads the parts of a cloud a stack's audit looks at; one connection per region, made lazily."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect
        self._connections: dict[str, Any] = {}

    def conn(self, region: str) -> Any:
        if region not in self._connections:
            self._connections[region] = self._connect(region)
        return self._connections[region]

    def read(self, spec: StackSpec) -> ObservedCloud:
        from keystoneauth1.exceptions import ClientException
        from openstack import exceptions

        try:
            return self._read(spec)
        except (exceptions.SDKException, ClientException, OSError) as error:
            raise ReadError(f"reading the cloud failed: {error}") from error

    def _read(self, spec: StackSpec) -> ObservedCloud:
        home_regions = sorted({t.home_region for t in spec.tenants}) or [spec.regions[0].name]
        identity = self.conn(home_regions[0])
        projects = self._projects(identity)
        names = {p.id: p.name for p in projects.values()}
        quotas: dict[str, dict[str, int]] = {}
        for tenant in spec.tenants:
            project = projects.get(tenant.name)
            if project is not None:
                quotas[tenant.name] = self._quotas(self.conn(tenant.home_region), project.id)
        networks: list[ObservedNetwork] = []
        rules: list[ObservedRule] = []
        servers: list[ObservedServer] = []
        volumes: list[ObservedVolume] = []
        volume_types: dict[str, ObservedVolumeType] = {}
        for region in home_regions:
            conn = self.conn(region)
            networks.extend(self._networks(conn, names))
            rules.extend(self._rules(conn, names))
            servers.extend(self._servers(conn, names))
            volumes.extend(self._volumes(conn, names))
            volume_types.update(self._volume_types(conn, region, names))
        accounts: dict[str, str] = {}
        containers: dict[tuple[str, str], ObservedContainer] = {}
        for region, names_here in _backup_containers(spec).items():
            conn = self.conn(region)
            account = swift_account(conn.current_project_id)
            accounts[region] = account
            for container in self._containers(conn, region, account, names_here):
                containers[(region, container.name)] = container
        return ObservedCloud(
            projects=projects,
            quotas=quotas,
            networks=tuple(networks),
            rules=tuple(rules),
            containers=containers,
            backup_accounts=accounts,
            volume_types=volume_types,
            servers=tuple(servers),
            volumes=tuple(volumes),
        )

    def _projects(self, conn: Any) -> dict[str, ObservedProject]:
        roles: dict[str, set[RoleAssignment]] = {}
        for assignment in conn.identity.role_assignments(include_names=True):
            group, scope = assignment.group or {}, (assignment.scope or {}).get("project") or {}
            if group and scope:
                role = RoleAssignment(group.get("name", group.get("id")), (assignment.role or {}).get("name"))
                roles.setdefault(scope["id"], set()).add(role)
        return {
            p.name: ObservedProject(p.id, p.name, tuple(p.tags or ()), frozenset(roles.get(p.id, ())))
            for p in conn.identity.projects()
        }

    def _quotas(self, conn: Any, project_id: str) -> dict[str, int]:
        compute = conn.compute.get_quota_set(project_id)
        network = conn.network.get_quota(project_id)
        block = conn.block_storage.get_quota_set(project_id)
        quotas = {
            "compute.cores": compute.cores,
            "compute.ram": compute.ram,
            "compute.instances": compute.instances,
            "network.networks": network.networks,
            "network.subnets": network.subnets,
            "network.ports": network.ports,
            "network.routers": network.routers,
            "network.security_groups": network.security_groups,
            "network.floating_ips": network.floating_ips,
            "block_storage.volumes": block.volumes,
            "block_storage.gigabytes": block.gigabytes,
            "block_storage.snapshots": block.snapshots,
            "block_storage.backups": block.backups,
        }
        headers = _swift(conn, "head", swift_account(project_id))
        if headers is not None and headers.get("X-Account-Meta-Quota-Bytes"):
            quotas["object_storage.bytes"] = int(headers["X-Account-Meta-Quota-Bytes"])
        return {k: int(v) for k, v in quotas.items() if v is not None}

    def _networks(self, conn: Any, names: dict[str, str]) -> Iterable[ObservedNetwork]:
        subnets: dict[str, list[ObservedSubnet]] = {}
        for s in conn.network.subnets():
            subnets.setdefault(s.network_id, []).append(
                ObservedSubnet(s.name, s.cidr, s.ip_version, s.ipv6_ra_mode, s.ipv6_address_mode)
            )
        for n in conn.network.networks():
            if n.project_id in names:
                yield ObservedNetwork(names[n.project_id], n.name, tuple(subnets.get(n.id, ())))

    def _rules(self, conn: Any, names: dict[str, str]) -> Iterable[ObservedRule]:
        groups = {g.id: g.name for g in conn.network.security_groups()}
        for r in conn.network.security_group_rules():
            yield ObservedRule(
                project=names.get(r.project_id, r.project_id or "?"),
                security_group=groups.get(r.security_group_id, r.security_group_id),
                id=r.id,
                direction=r.direction,
                ethertype=r.ether_type,
                protocol=r.protocol,
                port_range_min=r.port_range_min,
                port_range_max=r.port_range_max,
                remote_ip_prefix=r.remote_ip_prefix,
                remote_group_id=r.remote_group_id,
                remote_address_group_id=getattr(r, "remote_address_group_id", None),
            )

    def _servers(self, conn: Any, names: dict[str, str]) -> Iterable[ObservedServer]:
        for s in conn.compute.servers(all_projects=True):
            project = names.get(s.project_id, s.project_id)
            yield ObservedServer(project, s.name, s.id, s.availability_zone or "")

    def _volumes(self, conn: Any, names: dict[str, str]) -> Iterable[ObservedVolume]:
        for v in conn.block_storage.volumes(all_projects=True):
            project = names.get(v.project_id, v.project_id)
            yield ObservedVolume(project, v.name or "", v.id, v.availability_zone or "")

    def _volume_types(self, conn: Any, region: str, names: dict[str, str]) -> dict[str, ObservedVolumeType]:
        found = {}
        # Cinder lists only public types unless asked for all of them (an admin sees the private ones).
        for t in conn.block_storage.types(is_public="None"):
            encryption = conn.block_storage.get_type_encryption(t.id)
            spec = None
            if encryption is not None and encryption.encryption_id:
                key_size = encryption.key_size
                spec = ObservedEncryption(
                    encryption.provider,
                    encryption.cipher,
                    int(key_size) if key_size is not None else None,
                    encryption.control_location,
                )
            access: frozenset[str] = frozenset()
            if not t.is_public:
                access = frozenset(
                    names.get(a["project_id"], a["project_id"]) for a in conn.block_storage.get_type_access(t)
                )
            found[t.name] = ObservedVolumeType(t.name, region, bool(t.is_public), access, spec)
        return found

    def _containers(
        self, conn: Any, region: str, account: str, names: Iterable[str]
    ) -> Iterable[ObservedContainer]:
        """The named containers that exist (asked one by one: a listing may lag behind a delete)."""
        for name in names:
            headers = _swift(conn, "head", f"{account}/{name}")
            if headers is None:
                continue
            yield ObservedContainer(
                region=region,
                account=account,
                name=name,
                sync_to=headers.get("X-Container-Sync-To"),
                sync_key=headers.get("X-Container-Sync-Key"),
                history_location=headers.get("X-History-Location"),
            )


def _backup_containers(spec: StackSpec) -> dict[str, list[str]]:
    """region -> the backup containers (and their versions containers) the stack declares there."""
    wanted: dict[str, list[str]] = {r.name: [] for r in spec.regions}
    for tenant in spec.tenants:
        plan = backup_plan(spec, tenant)
        if not plan.replicas:
            continue
        for index, region in [(0, plan.home_region), *((r.index, r.region) for r in plan.replicas)]:
            name = container_name(tenant.name, index)
            wanted[region] += [name, versions_container_name(name)]
    return wanted


def _swift(conn: Any, method: str, path: str, **kwargs: Any) -> Any:
    """A Swift request on the region's object-store endpoint, under any account; None on 404.

    ``head`` gives the headers, ``get`` the JSON body.
    """
    base = conn.object_store.get_endpoint().rsplit("/", 1)[0]
    response = getattr(conn.object_store, method)(f"{base}/{path}", raise_exc=False, **kwargs)
    if response.status_code == 404:
        return None
    if response.status_code >= 300:
        raise ReadError(f"Swift {method.upper()} {path}: HTTP {response.status_code}")
    if method == "head":
        return response.headers
    return response.json() if response.content else []
