"""A tenant (an agency): its Keystone project, group roles, quotas, networks, backups and keys."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_openstack as openstack
from pulumi import Input, Output, ResourceOptions

from infra.encryption import CoreEncryption, EncryptionArgs
from infra.network import NetworkingArgs, TenantNetworking
from infra.quota import QuotaArgs, TenantQuotas
from infra.region import RegionalCloud
from infra.replica import BackupReplicas, ReplicaArgs
from stacks.address_plan import TenantPrefixes
from stacks.naming import project_tags
from stacks.replica import BackupPlan
from stacks.tags import CLASSIFICATION, tag
from stacks.tenant import Tenant

__all__ = ["Roles", "TenantArgs", "TenantProject", "project_tags"]


@dataclass(frozen=True)
class Roles:
    """Keystone roles given to a tenant's groups."""

    admin: str = "manager"
    member: str = "member"


@dataclass(frozen=True)
class TenantArgs:
    """A tenant with its planned prefixes and backup plan, and the regions and settings it is built in."""

    tenant: Tenant
    prefixes: TenantPrefixes
    backup: BackupPlan
    regions: Mapping[str, RegionalCloud]
    roles: Roles = field(default_factory=Roles)
    sync_realm: str = "govcloud"
    sync_key: Input[str] | None = None
    domain_id: str | None = None


def former_name_options(name: str, former_names: tuple[str, ...]) -> ResourceOptions:
    """Aliases for a renamed tenant: the component and every resource under it whose logical name starts
    with the tenant's name also answer to that name with each former name in its place. A URN holds the
    types of the parents but not their names, so a name alias is all a resource needs.
    """

    def alias_former_names(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if not args.name.startswith(name):
            return None
        rest = args.name[len(name) :]
        aliases: list[pulumi.Input[str | pulumi.Alias]] = [
            pulumi.Alias(name=old + rest) for old in former_names
        ]
        return pulumi.ResourceTransformationResult(
            args.props, ResourceOptions.merge(args.opts, ResourceOptions(aliases=aliases))
        )

    # A component's transformations apply to itself too, then to everything under it.
    return ResourceOptions(transformations=[alias_former_names])


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "group"


class TenantProject(pulumi.ComponentResource):
    """Everything one agency gets, all in its home region except its off-site replicas."""

    project_id: Output[str]
    network_ids: dict[str, Output[str]]
    backup_containers: list[str]
    exported: dict[str, object]

    def __init__(self, args: TenantArgs, opts: ResourceOptions | None = None) -> None:
        tenant = args.tenant
        name = tenant.name
        if tenant.former_names:
            opts = ResourceOptions.merge(opts, former_name_options(name, tenant.former_names))
        super().__init__("govcloud:index:Tenant", name, None, opts)
        home = args.regions[tenant.home_region]
        project = openstack.identity.Project(
            name,
            name=name,
            description=tenant.display_name,
            domain_id=args.domain_id,
            enabled=True,
            tags=project_tags(tenant, args.backup),
            region=home.region_name,
            # A project holds the tenant's servers and volumes: `pulumi destroy` stops here unless it
            # is unprotected on purpose (`pulumi state unprotect`); so do the backup containers.
            opts=home.child_opts(self, protect=True),
        )
        self.project_id = project.id
        self._assign_roles(args, home, project.id)

        TenantQuotas(
            f"{name}-quotas",
            QuotaArgs(project.id, tenant.quotas, home.region_name, home.provider),
            ResourceOptions(parent=self),
        )
        networking = TenantNetworking(
            f"{name}-networking",
            NetworkingArgs(
                project.id,
                tenant.networks,
                args.prefixes,
                home,
                (tag(CLASSIFICATION, tenant.classification),),
            ),
            ResourceOptions(parent=self),
        )
        self.network_ids = networking.network_ids

        self.backup_containers = []
        if args.backup.replicas:
            replicas = BackupReplicas(
                f"{name}-backup",
                ReplicaArgs(
                    args.backup,
                    tenant.classification.value,
                    project.id,
                    args.regions,
                    args.sync_realm,
                    args.sync_key,
                ),
                ResourceOptions(parent=self),
            )
            self.backup_containers = replicas.container_names
        if args.backup.encryption:
            CoreEncryption(
                f"{name}-encryption",
                EncryptionArgs(name, project.id, home),
                ResourceOptions(parent=self),
            )
        self.exported = self._exports(args.prefixes)
        self.register_outputs(self.exported)

    def _exports(self, prefixes: TenantPrefixes) -> dict[str, object]:
        """What the stack exports for this tenant."""
        return {
            "projectId": self.project_id,
            "ipv6Prefix": str(prefixes.ipv6),
            "ipv4Prefix": str(prefixes.ipv4) if prefixes.ipv4 else None,
            "networkIds": self.network_ids,
            "backupContainers": self.backup_containers,
        }

    def _assign_roles(self, args: TenantArgs, home: RegionalCloud, project_id: Output[str]) -> None:
        """Groups live in the unified identity system (LDAP/federation), so they are looked up, not owned."""
        groups = args.tenant.groups
        seen: set[str] = set()
        for kind, role, names in (
            ("admin", args.roles.admin, groups.admin),
            ("member", args.roles.member, groups.member),
        ):
            for group in names:
                logical = f"{args.tenant.name}-{kind}-{_slug(group)}"
                while logical in seen:
                    logical += "-x"
                seen.add(logical)
                openstack.identity.RoleAssignment(
                    logical,
                    project_id=project_id,
                    group_id=home.group_id(group, self),
                    role_id=home.role_id(role),
                    region=home.region_name,
                    opts=home.child_opts(self),
                )
