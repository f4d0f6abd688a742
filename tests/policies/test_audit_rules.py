"""The audit's rules on a hand-built observed cloud: clean when it matches, one finding per drift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from policies.audit.findings import (
    CLASSIFICATION_STANDARD,
    PROTECTION_STANDARD,
    Finding,
    Kind,
    Severity,
)
from policies.audit.model import (
    ObservedCloud,
    ObservedEncryption,
    ObservedProject,
    ObservedRule,
    ObservedVolume,
    RoleAssignment,
)
from policies.audit.rules import audit, exposed_admin_ports
from stacks import load_stack
from stacks.spec import StackSpec
from tests.cli.process import ROOT
from tests.policies.audit_cloud import matching_cloud


@pytest.fixture(scope="module")
def spec() -> StackSpec:
    return load_stack(ROOT / "stacks" / "dev.yaml").spec


@pytest.fixture(scope="module")
def clean(spec: StackSpec) -> ObservedCloud:
    return matching_cloud(spec)


def test_a_cloud_that_matches_the_stack_has_no_finding(spec: StackSpec, clean: ObservedCloud) -> None:
    assert audit(spec, clean) == []


def test_the_shipped_prod_stack_audits_clean_against_its_own_shape() -> None:
    prod = load_stack(ROOT / "stacks" / "prod.yaml").spec
    assert audit(prod, matching_cloud(prod)) == []


def _projects(cloud: ObservedCloud, name: str, **changes: Any) -> ObservedCloud:
    projects = dict(cloud.projects)
    projects[name] = replace(projects[name], **changes)
    return replace(cloud, projects=projects)


def _without_project(cloud: ObservedCloud, name: str) -> ObservedCloud:
    return replace(cloud, projects={k: v for k, v in cloud.projects.items() if k != name})


def _quota(cloud: ObservedCloud, tenant: str, key: str, value: int | None) -> ObservedCloud:
    quotas = {k: dict(v) for k, v in cloud.quotas.items()}
    if value is None:
        quotas[tenant].pop(key)
    else:
        quotas[tenant][key] = value
    return replace(cloud, quotas=quotas)


def _network(
    cloud: ObservedCloud, tenant: str, name: str, change: Callable[[Any], Any] | None
) -> ObservedCloud:
    out = []
    for n in cloud.networks:
        if (n.project, n.name) == (tenant, name):
            if change is None:
                continue
            n = change(n)
        out.append(n)
    return replace(cloud, networks=tuple(out))


def _subnets(cidr: str | None = None, mode: str | None = None, drop_v4: bool = False) -> Callable[[Any], Any]:
    def change(network: Any) -> Any:
        subnets = []
        for s in network.subnets:
            if s.ip_version == 6:
                s = replace(
                    s,
                    cidr=cidr or s.cidr,
                    ipv6_ra_mode=mode or s.ipv6_ra_mode,
                    ipv6_address_mode=mode or s.ipv6_address_mode,
                )
            elif drop_v4:
                continue
            subnets.append(s)
        return replace(network, subnets=tuple(subnets))

    return change


def _rule(cloud: ObservedCloud, **fields: Any) -> ObservedCloud:
    rule = ObservedRule(**{"security_group": "health-default", "id": "r-1", "ethertype": "IPv6", **fields})
    return replace(cloud, rules=(*cloud.rules, rule))


def _container(cloud: ObservedCloud, region: str, name: str, **changes: Any) -> ObservedCloud:
    containers = dict(cloud.containers)
    if changes:
        containers[(region, name)] = replace(containers[(region, name)], **changes)
    else:
        del containers[(region, name)]
    return replace(cloud, containers=containers)


def _volume_type(cloud: ObservedCloud, name: str, **changes: Any) -> ObservedCloud:
    types = dict(cloud.volume_types)
    if changes:
        types[name] = replace(types[name], **changes)
    else:
        del types[name]
    return replace(cloud, volume_types=types)


def _server_zone(cloud: ObservedCloud, tenant: str, zone: str) -> ObservedCloud:
    servers = tuple(replace(s, zone=zone) if s.project == tenant else s for s in cloud.servers)
    return replace(cloud, servers=servers)


def _volume_zone(cloud: ObservedCloud, tenant: str, zone: str) -> ObservedCloud:
    volumes = tuple(replace(v, zone=zone) if v.project == tenant else v for v in cloud.volumes)
    return replace(cloud, volumes=volumes)


WEAK = ObservedEncryption("luks", "aes-cbc-essiv:sha256", 128, "front-end")

# (id, mutation, expected (kind, severity, tenant, resource, expected, actual))
CASES: list[
    tuple[str, Callable[[ObservedCloud], ObservedCloud], tuple[Kind, str, str | None, str, str, str]]
] = [
    (
        "project-missing",
        lambda c: _without_project(c, "transport"),
        (
            Kind.PROJECT_MISSING,
            "high",
            "transport",
            "project transport",
            "Keystone project 'transport'",
            "no such project",
        ),
    ),
    (
        "project-tags",
        lambda c: _projects(c, "edu", tags=("agency:edu",)),
        (
            Kind.PROJECT_TAGS,
            "medium",
            "edu",
            "project edu",
            "classification:important, agency:edu, home-region:shenyang, backup-replicas:1",
            "agency:edu",
        ),
    ),
    (
        "role-missing",
        lambda c: _projects(c, "edu", roles=frozenset({RoleAssignment("edu-admins", "manager")})),
        None,  # two members lose their role: checked below
    ),
    (
        "role-undeclared",
        lambda c: _projects(
            c,
            "transport",
            roles=c.projects["transport"].roles | {RoleAssignment("contractors", "manager")},
        ),
        (
            Kind.ROLE_EXTRA,
            "high",
            "transport",
            "project transport",
            "no such assignment",
            "group contractors has role manager",
        ),
    ),
    (
        "quota-raised",
        lambda c: _quota(c, "health", "compute.cores", 500),
        (Kind.QUOTA_DRIFT, "high", "health", "quota health compute.cores", "96", "500"),
    ),
    (
        "quota-unlimited",
        lambda c: _quota(c, "transport", "network.ports", -1),
        (Kind.QUOTA_DRIFT, "medium", "transport", "quota transport network.ports", "100", "unlimited (-1)"),
    ),
    (
        "quota-unset",
        lambda c: _quota(c, "edu", "object_storage.bytes", None),
        (Kind.QUOTA_DRIFT, "medium", "edu", "quota edu object_storage.bytes", str(10 * 2**40), "unset"),
    ),
    (
        "network-missing",
        lambda c: _network(c, "edu", "portal", None),
        (
            Kind.NETWORK_MISSING,
            "medium",
            "edu",
            "network edu/portal",
            "network 'portal' with IPv6 subnet 2001:db8:1002::/64",
            "no such network",
        ),
    ),
    (
        "subnet-mode",
        lambda c: _network(c, "transport", "traffic", _subnets(mode="slaac")),
        (
            Kind.SUBNET_DRIFT,
            "medium",
            "transport",
            "subnet transport/traffic-ipv6",
            "2001:db8:1003::/64 ra=dhcpv6-stateless address=dhcpv6-stateless",
            "2001:db8:1003::/64 ra=slaac address=slaac",
        ),
    ),
    (
        "subnet-prefix",
        lambda c: _network(c, "health", "records", _subnets(cidr="2001:db8:1001:9::/64")),
        (
            Kind.SUBNET_DRIFT,
            "high",
            "health",
            "subnet health/records-ipv6",
            "2001:db8:1001:1::/64 ra=dhcpv6-stateful address=dhcpv6-stateful",
            "2001:db8:1001:9::/64 ra=dhcpv6-stateful address=dhcpv6-stateful",
        ),
    ),
    (
        "ipv4-missing",
        lambda c: _network(c, "edu", "portal", _subnets(drop_v4=True)),
        (Kind.SUBNET_DRIFT, "medium", "edu", "subnet edu/portal-ipv4", "10.16.32.0/24", "no IPv4 subnet"),
    ),
    (
        "ssh-open-to-the-world",
        lambda c: _rule(
            c,
            project="health",
            direction="ingress",
            protocol="tcp",
            port_range_min=22,
            port_range_max=22,
            remote_ip_prefix="::/0",
        ),
        (
            Kind.OPEN_ADMIN_PORT,
            "critical",
            "health",
            "security group rule health/health-default/r-1",
            "no administrative port reachable from 0.0.0.0/0 or ::/0",
            "ingress IPv6 tcp from ::/0 to port(s) 22",
        ),
    ),
    (
        "winrm-open-in-a-shadow-project",
        lambda c: _rule(
            _projects(c, "admin"),
            project="admin",
            direction="ingress",
            protocol="tcp",
            port_range_min=5985,
            port_range_max=5986,
            remote_ip_prefix="0.0.0.0/0",
        ),
        None,  # ignored project: checked below
    ),
    (
        "backup-container-deleted",
        lambda c: _container(c, "dalian", "edu-backup-r1"),
        (
            Kind.CONTAINER_MISSING,
            "high",
            "edu",
            "container dalian/edu-backup-r1",
            "container 'edu-backup-r1' in dalian (AUTH_backup-dalian)",
            "no such container",
        ),
    ),
    (
        "sync-target-changed",
        lambda c: _container(
            c, "shenyang", "edu-backup", sync_to="//govcloud/dalian/AUTH_other/edu-backup-r1"
        ),
        (
            Kind.SYNC_DRIFT,
            "high",
            "edu",
            "container shenyang/edu-backup",
            "X-Container-Sync-To //govcloud/dalian/AUTH_backup-dalian/edu-backup-r1",
            "X-Container-Sync-To //govcloud/dalian/AUTH_other/edu-backup-r1",
        ),
    ),
    (
        "sync-key-changed",
        lambda c: _container(c, "dalian", "health-backup-r2", sync_key="another-key"),
        (
            Kind.SYNC_DRIFT,
            "critical",
            "health",
            "container dalian/health-backup-r2",
            "the sync key of shenyang/health-backup",
            "another key (values not shown)",
        ),
    ),
    (
        "versions-container-deleted",
        lambda c: _container(c, "dalian", "police-backup-r1-versions"),
        (
            Kind.VERSIONS_MISSING,
            "high",
            "police",
            "container dalian/police-backup-r1",
            "X-History-Location police-backup-r1-versions (an existing container)",
            "X-History-Location police-backup-r1-versions (container missing)",
        ),
    ),
    (
        "encrypted-type-deleted",
        lambda c: _volume_type(c, "police-encrypted"),
        (
            Kind.VOLUME_TYPE_MISSING,
            "critical",
            "police",
            "volume type police-encrypted",
            "private volume type 'police-encrypted' encrypted with luks aes-xts-plain64 >= 256-bit keys, "
            "front-end",
            "no such volume type",
        ),
    ),
    (
        "encryption-removed",
        lambda c: _volume_type(c, "health-encrypted", encryption=None),
        (
            Kind.ENCRYPTION_DRIFT,
            "critical",
            "health",
            "volume type health-encrypted",
            "luks aes-xts-plain64 >= 256-bit keys, front-end",
            "no encryption spec",
        ),
    ),
    (
        "encryption-weakened",
        lambda c: _volume_type(c, "health-encrypted", encryption=WEAK),
        (
            Kind.ENCRYPTION_DRIFT,
            "critical",
            "health",
            "volume type health-encrypted",
            "luks aes-xts-plain64 >= 256-bit keys, front-end",
            "luks aes-cbc-essiv:sha256 128-bit, front-end",
        ),
    ),
    (
        "encrypted-type-made-public",
        lambda c: _volume_type(c, "health-encrypted", is_public=True),
        (
            Kind.ENCRYPTION_DRIFT,
            "critical",
            "health",
            "volume type health-encrypted",
            "private, usable by project 'health' only",
            "public",
        ),
    ),
    (
        "core-server-in-a-forbidden-zone",
        lambda c: _server_zone(c, "police", "sy-az3"),
        (
            Kind.RESIDENCY,
            "critical",
            "police",
            "server police/app-0 (police-s0)",
            "a zone of sy-az1, sy-az2",
            "zone sy-az3",
        ),
    ),
    (
        "core-volume-in-a-forbidden-zone",
        lambda c: _volume_zone(c, "health", "sy-az3"),
        (
            Kind.RESIDENCY,
            "critical",
            "health",
            "volume health/data-0 (health-v0)",
            "a zone of sy-az1, sy-az2",
            "zone sy-az3",
        ),
    ),
    (
        "core-volume-without-a-zone",
        lambda c: _volume_zone(c, "police", ""),
        (
            Kind.RESIDENCY,
            "critical",
            "police",
            "volume police/data-0 (police-v0)",
            "a zone of sy-az1, sy-az2",
            "zone (none)",
        ),
    ),
    (
        "shadow-project",
        lambda c: replace(c, projects={**c.projects, "tourism": ObservedProject("id-t", "tourism")}),
        (
            Kind.SHADOW_PROJECT,
            "high",
            None,
            "project tourism",
            "only the stack's tenants (and the ignored platform projects)",
            "project 'tourism' (id-t)",
        ),
    ),
]


def _shape(f: Finding) -> tuple[Kind, str, str | None, str, str, str]:
    return (f.kind, f.severity.value, f.tenant, f.resource, f.expected, f.actual)


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in CASES if e])
def test_each_drift_alone_is_one_finding(
    spec: StackSpec, clean: ObservedCloud, mutate: Callable[[ObservedCloud], ObservedCloud], expected: Any
) -> None:
    assert [_shape(f) for f in audit(spec, mutate(clean))] == [expected]


def test_every_kind_of_finding_has_a_case() -> None:
    covered = {e[0] for _, _, e in CASES if e} | {Kind.ROLE_MISSING}
    assert covered == set(Kind)


def test_members_that_lost_their_role_are_each_a_finding(spec: StackSpec, clean: ObservedCloud) -> None:
    mutate = next(m for i, m, _ in CASES if i == "role-missing")
    found = [(f.kind, f.expected) for f in audit(spec, mutate(clean))]
    assert found == [
        (Kind.ROLE_MISSING, "group edu-contractors has role member"),
        (Kind.ROLE_MISSING, "group edu-staff has role member"),
    ]


def test_platform_projects_are_neither_shadows_nor_audited_for_ports(
    spec: StackSpec, clean: ObservedCloud
) -> None:
    mutate = next(m for i, m, _ in CASES if i == "winrm-open-in-a-shadow-project")
    assert audit(spec, mutate(clean)) == []


def test_volumes_of_data_without_a_zone_rule_may_live_anywhere(spec: StackSpec, clean: ObservedCloud) -> None:
    """edu (important) and transport (general) have no ``zones``; the platform's volumes are not audited."""
    cloud = _volume_zone(_volume_zone(clean, "edu", "sy-az3"), "transport", "nova")
    cloud = replace(cloud, volumes=(*cloud.volumes, ObservedVolume("admin", "glance", "v-a", "sy-az3")))
    assert audit(spec, cloud) == []


def test_a_missing_project_is_one_finding_not_a_cascade(spec: StackSpec, clean: ObservedCloud) -> None:
    cloud = _without_project(clean, "health")
    cloud = replace(cloud, networks=tuple(n for n in cloud.networks if n.project != "health"))
    assert [f.kind for f in audit(spec, cloud)] == [Kind.PROJECT_MISSING]


def test_findings_come_worst_first_and_cite_the_standards(spec: StackSpec, clean: ObservedCloud) -> None:
    cloud = _quota(
        _container(_server_zone(clean, "health", "sy-az3"), "dalian", "edu-backup-r1"),
        "edu",
        "compute.cores",
        1,
    )
    findings = audit(spec, cloud)
    assert [f.severity for f in findings] == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM]
    requirement = findings[0].as_json()["requirement"]
    assert requirement == {
        "level": "core",
        "classification_standard": CLASSIFICATION_STANDARD,
        "control_area": "data integrity and confidentiality (cloud computing extension)",
        "protection_standard": PROTECTION_STANDARD,
    }
    assert "GB/T 43697-2024" in CLASSIFICATION_STANDARD and "GB/T 22239-2019" in PROTECTION_STANDARD
    assert findings[1].as_json()["requirement"]["control_area"] == (
        "data backup and recovery (security computing environment)"
    )


@pytest.mark.parametrize(
    ("rule", "ports"),
    [
        (dict(protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0"), [22]),
        (
            dict(protocol=None, remote_ip_prefix="::/0"),
            [22, 1433, 1521, 2379, 3306, 3389, 5432, 5985, 5986, 6379, 6443, 9200, 27017],
        ),
        (dict(protocol="tcp", port_range_min=443, port_range_max=443, remote_ip_prefix="::/0"), []),
        (dict(protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="10.0.0.0/8"), []),
        (dict(protocol="tcp", port_range_min=22, port_range_max=22, remote_group_id="sg"), []),
        (dict(protocol="tcp", port_range_min=6443, port_range_max=6443), [6443]),
        (dict(protocol="ipv6-icmp"), []),
        (dict(protocol="udp", port_range_min=3389, port_range_max=3389, remote_ip_prefix="::0/0"), [3389]),
    ],
)
def test_exposed_admin_ports(rule: dict[str, Any], ports: list[int]) -> None:
    from policies.audit.rules import AUDIT_ADMIN_PORTS

    observed = ObservedRule(
        project="p", security_group="g", id="r", direction="ingress", ethertype="IPv6", **rule
    )
    assert exposed_admin_ports(observed, AUDIT_ADMIN_PORTS) == ports
    assert exposed_admin_ports(replace(observed, direction="egress"), AUDIT_ADMIN_PORTS) == []
