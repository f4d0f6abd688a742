"""The audit's rules: a stack file and an observed cloud in, findings out. Pure: no I/O, no Pulumi.

Tenants (project, tags, group roles, quotas), networks (subnets with the planned prefixes and IPv6
modes, no admin port open to the world) and undeclared projects are checked here; backups, encryption
and residency in :mod:`policies.audit.data_rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from ipaddress import ip_network

from policies.audit.data_rules import backup_findings, encryption_findings, residency_findings
from policies.audit.findings import Finding, Kind, sort_key
from policies.audit.model import ObservedCloud, ObservedRule, RoleAssignment
from policies.ingress import DEFAULT_ADMIN_PORTS, is_anywhere
from stacks.address_plan import TenantPrefixes, address_plan
from stacks.naming import ipv4_subnet_name, ipv6_subnet_name, project_tags
from stacks.replica import backup_plan
from stacks.spec import StackSpec
from stacks.tenant import IpStack, Tenant

AUDIT_ADMIN_PORTS: tuple[int, ...] = tuple(sorted({*DEFAULT_ADMIN_PORTS, 5985, 5986}))
"""The policy pack's administrative ports and WinRM (5985/5986)."""


@dataclass(frozen=True)
class AuditOptions:
    """What the stack file does not say but the audit must know (the program's Pulumi config)."""

    admin_role: str = "manager"
    member_role: str = "member"
    sync_realm: str = "govcloud"
    ignored_projects: frozenset[str] = frozenset({"admin", "service"})
    admin_ports: tuple[int, ...] = AUDIT_ADMIN_PORTS
    min_key_bits: int = 256


@dataclass(frozen=True)
class _Context:
    spec: StackSpec
    cloud: ObservedCloud
    options: AuditOptions = field(default_factory=AuditOptions)


def audit(spec: StackSpec, cloud: ObservedCloud, options: AuditOptions | None = None) -> list[Finding]:
    """Every difference between ``spec`` and ``cloud``, worst first."""
    options = options or AuditOptions()
    ctx = _Context(spec, cloud, options)
    findings: list[Finding] = []
    for tenant, prefixes in zip(spec.tenants, address_plan(spec), strict=True):
        plan = backup_plan(spec, tenant)
        level = tenant.classification.value
        if tenant.name in cloud.projects:
            findings.extend(_project_findings(ctx, tenant))
            findings.extend(_quota_findings(ctx, tenant))
            findings.extend(_network_findings(ctx, tenant, prefixes))
            findings.extend(residency_findings(tenant.name, level, plan, cloud))
        else:
            findings.append(
                Finding(
                    Kind.PROJECT_MISSING,
                    tenant.name,
                    level,
                    f"project {tenant.name}",
                    f"Keystone project {tenant.name!r}",
                    "no such project",
                    f"tenant {tenant.name!r} has no project: nothing of it is deployed or it was renamed",
                )
            )
        findings.extend(backup_findings(tenant.name, level, plan, cloud, options.sync_realm))
        findings.extend(encryption_findings(tenant.name, level, plan, cloud, options.min_key_bits))
    findings.extend(_open_rule_findings(ctx))
    findings.extend(_shadow_findings(ctx))
    return sorted(findings, key=sort_key)


def _project_findings(ctx: _Context, tenant: Tenant) -> Iterator[Finding]:
    project = ctx.cloud.projects[tenant.name]
    level = tenant.classification.value
    expected_tags = project_tags(tenant, backup_plan(ctx.spec, tenant))
    missing = [t for t in expected_tags if t not in project.tags]
    if missing:
        yield Finding(
            Kind.PROJECT_TAGS,
            tenant.name,
            level,
            f"project {tenant.name}",
            ", ".join(expected_tags),
            ", ".join(project.tags) or "no tags",
            f"project {tenant.name!r} lacks the tag(s) {', '.join(missing)}",
        )
    expected = {RoleAssignment(g, ctx.options.admin_role) for g in tenant.groups.admin} | {
        RoleAssignment(g, ctx.options.member_role) for g in tenant.groups.member
    }
    for role in sorted(expected - project.roles, key=lambda r: (r.group, r.role)):
        yield Finding(
            Kind.ROLE_MISSING,
            tenant.name,
            level,
            f"project {tenant.name}",
            f"group {role.group} has role {role.role}",
            "no such assignment",
            f"group {role.group!r} lacks role {role.role!r} on project {tenant.name!r}",
        )
    for role in sorted(project.roles - expected, key=lambda r: (r.group, r.role)):
        yield Finding(
            Kind.ROLE_EXTRA,
            tenant.name,
            level,
            f"project {tenant.name}",
            "no such assignment",
            f"group {role.group} has role {role.role}",
            f"group {role.group!r} holds role {role.role!r} on project {tenant.name!r}, which the stack "
            "does not grant",
        )


def declared_quotas(tenant: Tenant) -> dict[str, int]:
    """The tenant's quotas as each service counts them, keyed ``service.field``."""
    q = tenant.quotas
    return {
        "compute.cores": q.compute.cores,
        "compute.ram": q.compute.ram_gib * 1024,  # Nova counts MiB
        "compute.instances": q.compute.instances,
        "network.networks": q.network.networks,
        "network.subnets": q.network.subnets,
        "network.ports": q.network.ports,
        "network.routers": q.network.routers,
        "network.security_groups": q.network.security_groups,
        "network.floating_ips": q.network.floating_ips,
        "block_storage.volumes": q.block_storage.volumes,
        "block_storage.gigabytes": q.block_storage.gigabytes,
        "block_storage.snapshots": q.block_storage.snapshots,
        "block_storage.backups": q.block_storage.backups,
        "object_storage.bytes": int(q.object_storage.bytes),
    }


def _quota_findings(ctx: _Context, tenant: Tenant) -> Iterator[Finding]:
    observed = ctx.cloud.quotas.get(tenant.name, {})
    for key, expected in declared_quotas(tenant).items():
        actual = observed.get(key)
        if actual == expected:
            continue
        shown = "unset" if actual is None else ("unlimited (-1)" if actual == -1 else str(actual))
        yield Finding(
            Kind.QUOTA_DRIFT,
            tenant.name,
            tenant.classification.value,
            f"quota {tenant.name} {key}",
            str(expected),
            shown,
            f"{key} of {tenant.name!r} is {shown}, the stack says {expected}",
        )


def _network_findings(ctx: _Context, tenant: Tenant, prefixes: TenantPrefixes) -> Iterator[Finding]:
    level = tenant.classification.value
    for network, planned in zip(tenant.networks, prefixes.networks, strict=True):
        observed = ctx.cloud.network(tenant.name, network.name)
        resource = f"network {tenant.name}/{network.name}"
        if observed is None:
            yield Finding(
                Kind.NETWORK_MISSING,
                tenant.name,
                level,
                resource,
                f"network {network.name!r} with IPv6 subnet {planned.ipv6}",
                "no such network",
                f"network {network.name!r} of {tenant.name!r} does not exist",
            )
            continue
        v6 = [s for s in observed.subnets if s.ip_version == 6]
        v4 = [s for s in observed.subnets if s.ip_version == 4]
        mode = network.ipv6_mode.value
        expected = f"{planned.ipv6} ra={mode} address={mode}"
        match = [s for s in v6 if ip_network(s.cidr) == planned.ipv6]
        actual = "; ".join(f"{s.cidr} ra={s.ipv6_ra_mode} address={s.ipv6_address_mode}" for s in v6)
        if not match or any((s.ipv6_ra_mode, s.ipv6_address_mode) != (mode, mode) for s in match):
            yield Finding(
                Kind.SUBNET_DRIFT,
                tenant.name,
                level,
                f"subnet {tenant.name}/{ipv6_subnet_name(network.name)}",
                expected,
                actual or "no IPv6 subnet",
                f"the IPv6 subnet of {tenant.name}/{network.name} is not the planned one",
            )
        want_v4 = planned.ipv4 if network.stack is IpStack.DUAL_STACK else None
        have_v4 = sorted(s.cidr for s in v4)
        if (want_v4 is None and have_v4) or (
            want_v4 is not None and [str(ip_network(c)) for c in have_v4] != [str(want_v4)]
        ):
            yield Finding(
                Kind.SUBNET_DRIFT,
                tenant.name,
                level,
                f"subnet {tenant.name}/{ipv4_subnet_name(network.name)}",
                str(want_v4) if want_v4 is not None else "no IPv4 subnet (ipv6-only)",
                ", ".join(have_v4) or "no IPv4 subnet",
                f"the IPv4 subnets of {tenant.name}/{network.name} are not the planned ones",
            )


def exposed_admin_ports(rule: ObservedRule, admin_ports: Iterable[int]) -> list[int]:
    """The administrative ports an ingress rule opens to every address (empty when none)."""
    if rule.direction != "ingress":
        return []
    anywhere = is_anywhere(rule.remote_ip_prefix) or (
        not rule.remote_ip_prefix and not rule.remote_group_id and not rule.remote_address_group_id
    )
    if not anywhere:
        return []
    protocol = (rule.protocol or "").lower()
    if protocol in ("", "any", "0"):
        low, high = 1, 65535
    elif protocol in ("tcp", "udp", "sctp", "6", "17", "132"):
        low = rule.port_range_min or 1
        high = rule.port_range_max or (65535 if rule.port_range_min is None else low)
    else:
        return []  # ICMP and friends carry no ports
    return sorted(p for p in set(admin_ports) if low <= p <= high)


def _open_rule_findings(ctx: _Context) -> Iterator[Finding]:
    levels = {t.name: t.classification.value for t in ctx.spec.tenants}
    for rule in ctx.cloud.rules:
        if rule.project in ctx.options.ignored_projects:
            continue
        exposed = exposed_admin_ports(rule, ctx.options.admin_ports)
        if not exposed:
            continue
        source = rule.remote_ip_prefix or "anywhere (no remote prefix or group)"
        ports = ", ".join(map(str, exposed))
        tenant = rule.project if rule.project in levels else None
        yield Finding(
            Kind.OPEN_ADMIN_PORT,
            tenant,
            levels.get(rule.project),
            f"security group rule {rule.project}/{rule.security_group}/{rule.id}",
            "no administrative port reachable from 0.0.0.0/0 or ::/0",
            f"ingress {rule.ethertype} {rule.protocol or 'any protocol'} from {source} to port(s) {ports}",
            f"security group {rule.security_group!r} of project {rule.project!r} opens administrative "
            f"port(s) {ports} to the world",
        )


def _shadow_findings(ctx: _Context) -> Iterator[Finding]:
    declared = {t.name for t in ctx.spec.tenants}
    for name, project in sorted(ctx.cloud.projects.items()):
        if name in declared or name in ctx.options.ignored_projects:
            continue
        yield Finding(
            Kind.SHADOW_PROJECT,
            None,
            None,
            f"project {name}",
            "only the stack's tenants (and the ignored platform projects)",
            f"project {name!r} ({project.id})",
            f"project {name!r} is not declared by the stack: an agency outside the plan, its quotas, "
            "networks and backups unmanaged",
        )
