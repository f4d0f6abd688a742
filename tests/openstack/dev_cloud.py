"""The dev stack's cloud built on the box through openstacksdk, in the shapes the Pulumi program declares.

Per tenant, as ``infra/`` declares it: the Keystone project with the program's tags (``stacks.naming``),
its groups' role assignments, the compute/network/block-storage quotas and the Swift byte quota on its
account, each network with its IPv6 subnet (and IPv4 for dual stack) from the region's shared subnet
pools, the router with an interface per subnet, the default security group and its rules; for core data
the private ``<tenant>-encrypted`` volume type with the program's LUKS settings (``infra.encryption.LUKS``);
and the backup containers the program records under mocks (``test_swift_replicas.container_headers``),
sent to the platform's backup account (the admin's) in both Swift regions. Everything is undone by
:meth:`DevCloud.destroy`, so later tests of the session find the box as before.
"""

from __future__ import annotations

import contextlib
from typing import Any

from infra.cloud import CloudOptions, build_cloud
from infra.encryption import LUKS
from infra.preview import run_mocked
from stacks import LoadedStack
from stacks.address_plan import address_plan
from stacks.naming import (
    default_security_group_name,
    encrypted_volume_type_name,
    ipv4_subnet_name,
    ipv6_subnet_name,
    project_tags,
    router_name,
    swift_account,
)
from stacks.replica import backup_plan
from stacks.tenant import IpStack
from tests.openstack import openstack_box as box
from tests.openstack.test_swift_replicas import CONTAINER, SwiftAccount, container_headers

SYNC_KEY = "audit-sync-key-" + "y" * 33
ROLES = {"admin": "manager", "member": "member"}


class DevCloud:
    """The dev stack's tenants on the box, and the handles a test needs to make them drift."""

    def __init__(self, env: box.BoxEnv, stack: LoadedStack) -> None:
        self.env = env
        self.stack = stack
        self.admin = env.connect()
        self.projects: dict[str, Any] = {}
        self.groups: list[Any] = []
        self.pools: list[Any] = []
        self.volume_types: list[Any] = []
        self.containers: dict[tuple[str, str], dict[str, str]] = {}
        """(region, name) -> the headers it was created with, in creation order."""
        self.security_groups: dict[str, Any] = {}
        self.account = swift_account(self.admin.current_project_id)
        self.preexisting: list[str] = []
        """Projects the box had before the build: its own, not tenants."""

    def swift(self, region: str) -> SwiftAccount:
        return SwiftAccount(self.env.connect(region_name=region), self.account)

    def build(self) -> None:
        spec = self.stack.spec
        identity = self.admin.identity
        roles = {
            kind: identity.find_role(name) or identity.create_role(name=name) for kind, name in ROLES.items()
        }
        region = spec.region("shenyang")
        for version, prefix in ((6, region.ipv6_prefix), (4, region.ipv4_prefix)):
            self.pools.append(
                self.admin.network.create_subnet_pool(
                    name=f"{region.name}-ipv{version}",
                    prefixes=[str(prefix)],
                    shared=True,
                    default_prefix_length=64 if version == 6 else 24,
                )
            )
        for tenant, prefixes in zip(spec.tenants, address_plan(spec), strict=True):
            plan = backup_plan(spec, tenant)
            project = identity.create_project(
                name=tenant.name,
                description=tenant.display_name,
                domain_id="default",
                tags=project_tags(tenant, plan),
            )
            self.projects[tenant.name] = project
            for kind, names in (("admin", tenant.groups.admin), ("member", tenant.groups.member)):
                for name in names:
                    group = identity.find_group(name) or identity.create_group(name=name, domain_id="default")
                    self.groups.append(group)
                    identity.assign_project_role_to_group(project, group, roles[kind])
            self._quotas(tenant, project)
            self._networks(tenant, prefixes, project)
            if plan.encryption:
                self._encrypted_type(tenant, project)
        self._containers()

    def _quotas(self, tenant: Any, project: Any) -> None:
        q = tenant.quotas
        self.admin.compute.update_quota_set(
            project.id, cores=q.compute.cores, ram=q.compute.ram_gib * 1024, instances=q.compute.instances
        )
        self.admin.network.update_quota(
            project.id,
            networks=q.network.networks,
            subnets=q.network.subnets,
            ports=q.network.ports,
            routers=q.network.routers,
            security_groups=q.network.security_groups,
            floating_ips=q.network.floating_ips,
        )
        self.admin.block_storage.update_quota_set(
            project.id,
            volumes=q.block_storage.volumes,
            gigabytes=q.block_storage.gigabytes,
            snapshots=q.block_storage.snapshots,
            backups=q.block_storage.backups,
        )
        SwiftAccount(self.admin, swift_account(project.id)).post(
            {"X-Account-Meta-Quota-Bytes": str(int(q.object_storage.bytes))}
        )

    def _networks(self, tenant: Any, prefixes: Any, project: Any) -> None:
        net = self.admin.network
        v6_pool, v4_pool = self.pools
        router = net.create_router(name=router_name(tenant.name), project_id=project.id)
        for network, planned in zip(tenant.networks, prefixes.networks, strict=True):
            made = net.create_network(name=network.name, project_id=project.id)
            mode = network.ipv6_mode.value
            subnets = [
                net.create_subnet(
                    name=ipv6_subnet_name(network.name),
                    network_id=made.id,
                    ip_version=6,
                    cidr=str(planned.ipv6),
                    subnet_pool_id=v6_pool.id,
                    ipv6_ra_mode=mode,
                    ipv6_address_mode=mode,
                    project_id=project.id,
                )
            ]
            if network.stack is IpStack.DUAL_STACK:
                subnets.append(
                    net.create_subnet(
                        name=ipv4_subnet_name(network.name),
                        network_id=made.id,
                        ip_version=4,
                        cidr=str(planned.ipv4),
                        subnet_pool_id=v4_pool.id,
                        project_id=project.id,
                    )
                )
            for subnet in subnets:
                net.add_interface_to_router(router, subnet_id=subnet.id)
        group = net.create_security_group(
            name=default_security_group_name(tenant.name), project_id=project.id
        )
        for rule in list(net.security_group_rules(security_group_id=group.id)):
            net.delete_security_group_rule(rule)  # the program's delete_default_rules
        families = ["IPv6", "IPv4"] if prefixes.ipv4 is not None else ["IPv6"]
        rules = [{"direction": "ingress", "ethertype": "IPv6", "protocol": "ipv6-icmp"}]
        for family in families:
            rules.append({"direction": "ingress", "ethertype": family, "remote_group_id": group.id})
            rules.append({"direction": "egress", "ethertype": family})
        for fields in rules:
            net.create_security_group_rule(security_group_id=group.id, project_id=project.id, **fields)
        self.security_groups[tenant.name] = group

    def _encrypted_type(self, tenant: Any, project: Any) -> None:
        storage = self.admin.block_storage
        volume_type = storage.create_type(name=encrypted_volume_type_name(tenant.name), is_public=False)
        self.volume_types.append(volume_type)
        storage.add_type_access(volume_type, project.id)
        storage.create_type_encryption(
            volume_type,
            provider=LUKS.provider,
            cipher=LUKS.cipher,
            key_size=LUKS.key_size,
            control_location=LUKS.control_location,
        )

    def _containers(self) -> None:
        """The containers the program declares for every tenant with replicas, replicas first."""

        def program() -> None:
            build_cloud(self.stack.spec, CloudOptions(sync_key=SYNC_KEY))

        declared = run_mocked(program, self.stack.name).of_type(CONTAINER)
        # Versions containers first, then the chain from its last link back to the primary.
        order = sorted(
            declared,
            key=lambda r: (
                "versions-of" not in r.inputs["metadata"],
                -int(r.inputs["metadata"].get("replica", 0)),
            ),
        )
        for resource in order:
            region, name = str(resource.region), str(resource.inputs["name"])
            headers = container_headers(resource, self.account)
            if "X-Container-Sync-Key" in headers:
                headers["X-Container-Sync-Key"] = SYNC_KEY
            self.swift(region).put(name, headers)
            self.containers[(region, name)] = headers

    def destroy(self) -> None:
        """Remove everything :meth:`build` made (and whatever a test added inside the projects)."""
        net, admin = self.admin.network, self.admin
        for region, name in self.containers:  # stop container sync before emptying anything
            with contextlib.suppress(Exception):
                swift = self.swift(region)
                swift.conn.object_store.post(
                    f"{swift.base}/{name}", headers={"X-Remove-Container-Sync-To": "x"}, raise_exc=False
                )
        for region, name in reversed(list(self.containers)):
            with contextlib.suppress(Exception):
                swift = self.swift(region)
                for entry in swift.conn.object_store.get(
                    f"{swift.base}/{name}", params={"format": "json"}, raise_exc=False
                ).json():
                    swift.conn.object_store.delete(f"{swift.base}/{name}/{entry['name']}", raise_exc=False)
                swift.conn.object_store.delete(f"{swift.base}/{name}", raise_exc=False)
        for volume_type in self.volume_types:
            with contextlib.suppress(Exception):
                admin.block_storage.delete_type_encryption(volume_type=volume_type, ignore_missing=True)
                admin.block_storage.delete_type(volume_type, ignore_missing=True)
        for project in self.projects.values():
            for router in list(net.routers(project_id=project.id)):
                for port in list(net.ports(device_id=router.id)):
                    for ip in port.fixed_ips:
                        net.remove_interface_from_router(router, subnet_id=ip["subnet_id"])
                net.delete_router(router)
            for network in list(net.networks(project_id=project.id)):
                for port in list(net.ports(network_id=network.id)):
                    net.delete_port(port)
                net.delete_network(network)
            for group in list(net.security_groups(project_id=project.id)):
                net.delete_security_group(group)
            admin.identity.delete_project(project)
        for pool in self.pools:
            net.delete_subnet_pool(pool)
        for group in {g.id: g for g in self.groups}.values():
            admin.identity.delete_group(group, ignore_missing=True)
