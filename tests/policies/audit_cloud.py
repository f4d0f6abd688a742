"""An observed cloud that matches a stack exactly, built by hand from the stack (no OpenStack)."""

from __future__ import annotations

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
from policies.audit.rules import declared_quotas
from stacks.address_plan import address_plan
from stacks.naming import (
    container_name,
    encrypted_volume_type_name,
    ipv4_subnet_name,
    ipv6_subnet_name,
    project_tags,
    sync_to,
    versions_container_name,
)
from stacks.replica import backup_plan
from stacks.spec import StackSpec
from stacks.tenant import IpStack

SYNC_KEY = "k" * 48


def matching_cloud(spec: StackSpec) -> ObservedCloud:
    """What the program would leave behind for ``spec``: one server and one volume per tenant in an allowed zone."""
    accounts = {r.name: f"AUTH_backup-{r.name}" for r in spec.regions}
    projects, quotas, networks, rules, containers, types, servers, volumes = {}, {}, [], [], {}, {}, [], []
    for tenant, prefixes in zip(spec.tenants, address_plan(spec), strict=True):
        plan = backup_plan(spec, tenant)
        roles = {RoleAssignment(g, "manager") for g in tenant.groups.admin}
        roles |= {RoleAssignment(g, "member") for g in tenant.groups.member}
        projects[tenant.name] = ObservedProject(
            f"id-{tenant.name}", tenant.name, tuple(project_tags(tenant, plan)), frozenset(roles)
        )
        quotas[tenant.name] = declared_quotas(tenant)
        for network, planned in zip(tenant.networks, prefixes.networks, strict=True):
            mode = network.ipv6_mode.value
            subnets = [ObservedSubnet(ipv6_subnet_name(network.name), str(planned.ipv6), 6, mode, mode)]
            if network.stack is IpStack.DUAL_STACK:
                subnets.append(ObservedSubnet(ipv4_subnet_name(network.name), str(planned.ipv4), 4))
            networks.append(ObservedNetwork(tenant.name, network.name, tuple(subnets)))
        group = f"{tenant.name}-default"
        rules += [
            ObservedRule(tenant.name, group, f"{tenant.name}-icmp", "ingress", "IPv6", "ipv6-icmp"),
            ObservedRule(tenant.name, group, f"{tenant.name}-in", "ingress", "IPv6", remote_group_id="sg"),
            ObservedRule(tenant.name, group, f"{tenant.name}-out", "egress", "IPv6"),
        ]
        if plan.replicas:
            chain = [(0, plan.home_region), *((r.index, r.region) for r in plan.replicas)]
            for position, (index, region) in enumerate(chain):
                name = container_name(tenant.name, index)
                target = None
                if position + 1 < len(chain):
                    n_index, n_region = chain[position + 1]
                    target = sync_to(
                        "govcloud", n_region, accounts[n_region], container_name(tenant.name, n_index)
                    )
                versions = versions_container_name(name)
                containers[(region, name)] = ObservedContainer(
                    region, accounts[region], name, target, SYNC_KEY, versions
                )
                containers[(region, versions)] = ObservedContainer(region, accounts[region], versions)
        if plan.encryption:
            name = encrypted_volume_type_name(tenant.name)
            types[name] = ObservedVolumeType(
                name,
                tenant.home_region,
                False,
                frozenset({tenant.name}),
                ObservedEncryption("luks", "aes-xts-plain64", 256, "front-end"),
            )
        zones = plan.zones or [z.name for z in spec.region(tenant.home_region).zones]
        servers.append(ObservedServer(tenant.name, "app-0", f"{tenant.name}-s0", zones[0]))
        volumes.append(ObservedVolume(tenant.name, "data-0", f"{tenant.name}-v0", zones[-1]))
    projects["admin"] = ObservedProject("id-admin", "admin")
    projects["service"] = ObservedProject("id-service", "service")
    return ObservedCloud(
        projects=projects,
        quotas=quotas,
        networks=tuple(networks),
        rules=tuple(rules),
        containers=containers,
        backup_accounts=accounts,
        volume_types=types,
        servers=tuple(servers),
        volumes=tuple(volumes),
    )
