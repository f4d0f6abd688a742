"""What the Pulumi program expects the live cloud to have already, checked before `pulumi up`.

The program looks things up that it never creates (the unified identity system's groups, the roles it
assigns, each region's external network, the service endpoints of each region, the Swift container
sync realm, the reseller admin role that sets Swift account quotas, the key manager Cinder asks for core data's volume
keys). Each
missing one is a :class:`Missing` with the command an operator runs to fix it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stacks import StackSpec
from stacks.replica import backup_plan


@dataclass(frozen=True)
class Missing:
    what: str
    fix: str


@dataclass(frozen=True)
class DoctorOptions:
    admin_role: str = "manager"
    member_role: str = "member"
    sync_realm: str = "govcloud"
    key_manager: bool = True
    """Whether a key-manager endpoint must serve a core tenant's home region (Cinder has it make the keys
    of encrypted volumes)."""


def required_services(spec: StackSpec, options: DoctorOptions) -> dict[str, set[str]]:
    """Catalog service types each region must serve."""
    needed: dict[str, set[str]] = {r.name: {"identity", "network"} for r in spec.regions}
    for tenant in spec.tenants:
        plan = backup_plan(spec, tenant)
        home = needed[tenant.home_region]
        home.add("block-storage")
        if plan.replicas:
            home.add("object-store")
            for region in plan.replica_regions:
                needed[region].add("object-store")
        if plan.encryption and options.key_manager:
            home.add("key-manager")
    return needed


def check(spec: StackSpec, connect: Callable[[str], Any], options: DoctorOptions) -> list[Missing]:
    """Every prerequisite of the program for ``spec`` that the cloud lacks (``connect(region)``)."""
    missing: list[Missing] = []
    first = connect(spec.regions[0].name)
    identity = first.identity

    services = {s.id: s.type for s in identity.services()}
    served = {(services.get(e.service_id), e.region_id) for e in identity.endpoints(interface="public")}
    for region, kinds in required_services(spec, options).items():
        for kind in sorted(kinds):
            alternatives = {kind, "volumev3"} if kind == "block-storage" else {kind}
            if not any((k, region) in served for k in alternatives):
                missing.append(
                    Missing(
                        f"region {region}: no public {kind} endpoint",
                        f"openstack endpoint create --region {region} <{kind} service> public <URL>",
                    )
                )

    roles = {r.name for r in identity.roles()}
    for role in sorted({options.admin_role, options.member_role, "ResellerAdmin"}):
        if role not in roles:
            missing.append(Missing(f"role {role}", f"openstack role create {role}"))

    groups = {g.name for g in identity.groups()}
    wanted = sorted({g for t in spec.tenants for g in (*t.groups.admin, *t.groups.member)})
    for group in wanted:
        if group not in groups:
            missing.append(
                Missing(
                    f"identity group {group}",
                    f"sync it from the unified identity system, or: openstack group create {group}",
                )
            )

    for region in spec.regions:
        if not any((kind, region.name) in served for kind in ("network",)):
            continue
        network = connect(region.name).network
        found = [n for n in network.networks(name=region.external_network) if n.is_router_external]
        if not found:
            missing.append(
                Missing(
                    f"region {region.name}: external network {region.external_network}",
                    f"openstack --os-region-name {region.name} network create --external "
                    f"{region.external_network} (and a subnet on it)",
                )
            )
        elif not any(n.subnet_ids for n in found):
            missing.append(
                Missing(
                    f"region {region.name}: external network {region.external_network} has no subnet",
                    f"openstack --os-region-name {region.name} subnet create --network "
                    f"{region.external_network} --subnet-range <CIDR> {region.external_network}-v4",
                )
            )
    return missing
