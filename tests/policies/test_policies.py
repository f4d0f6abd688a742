"""Every policy on a compliant cloud and on that cloud broken one way at a time (table-driven)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from policies.evaluate import evaluate
from policies.inputs import PolicyInput
from policies.pack import POLICIES
from tests.policies.policy_stack import DELETE, compliant_cloud, named, with_props, without

CAPACITY = {"regions": {"shenyang": {"vcpu": 1280, "ramGib": 1280, "volumeGib": 50000}}}
BASE_CONFIG: dict[str, Any] = {"quota-within-capacity": CAPACITY}

Mutation = Callable[[list[PolicyInput]], list[PolicyInput]]


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Mutation
    expected: tuple[tuple[str, str, str], ...]
    """(policy, resource, a phrase of the message), in report order."""
    config: dict[str, Any] = field(default_factory=dict)


def relabel(name: str, *tags: str) -> Mutation:
    return lambda rs: with_props(rs, name, tags=list(tags))


def add_ipv4_to(network: str, subnet_name: str, cidr: str) -> Mutation:
    def mutate(rs: list[PolicyInput]) -> list[PolicyInput]:
        template = named(rs, f"{network}-ipv6")
        props = {**template.props, "ipVersion": 4, "cidr": cidr, "name": subnet_name}
        props.pop("ipv6RaMode")
        props.pop("ipv6AddressMode")
        extra = replace(template, name=subnet_name, urn=template.urn.rsplit("::", 1)[0] + f"::{subnet_name}")
        return [*rs, replace(extra, props=props)]

    return mutate


CASES = (
    # tenant-quotas-required
    Case(
        "quota-missing",
        lambda rs: without(rs, "health-quotas-network"),
        (("tenant-quotas-required", "health", "has no network quota"),),
    ),
    Case(
        "quota-unlimited",
        lambda rs: with_props(rs, "health-quotas-compute", cores=-1),
        (("tenant-quotas-required", "health-quotas-compute", "makes cores unlimited (-1)"),),
    ),
    Case(
        "quota-unset",
        lambda rs: with_props(rs, "transport-quotas-block-storage", gigabytes=DELETE),
        (("tenant-quotas-required", "transport-quotas-block-storage", "leaves gigabytes unset"),),
    ),
    # ipv6-required
    Case(
        "ipv6-subnet-missing",
        lambda rs: without(rs, "health-records-ipv6"),
        (("ipv6-required", "health-records-net", "has no IPv6 subnet"),),
    ),
    Case(
        "ipv6-only-with-ipv4",
        add_ipv4_to("transport-traffic", "transport-traffic-ipv4", "10.16.48.0/24"),
        (("ipv6-required", "transport-traffic-ipv4", "is ipv6-only but has IPv4"),),
    ),
    Case(
        "ipv6-no-ra-mode",
        lambda rs: with_props(rs, "transport-traffic-ipv6", ipv6RaMode=DELETE),
        (("ipv6-required", "transport-traffic-ipv6", "needs ipv6RaMode and ipv6AddressMode"),),
    ),
    Case(
        "ipv6-modes-disagree",
        lambda rs: with_props(rs, "health-his-ipv6", ipv6AddressMode="dhcpv6-stateful"),
        (("ipv6-required", "health-his-ipv6", "advertises 'slaac'"),),
    ),
    # classification-tag-required
    Case(
        "classification-missing",
        relabel("health-router"),
        (("classification-tag-required", "health-router", "no 'classification:<level>' tag"),),
    ),
    Case(
        "classification-unknown",
        relabel("dalian-ipv6-pool", "classification:secret"),
        (("classification-tag-required", "dalian-ipv6-pool", "unknown classification 'secret'"),),
    ),
    Case(
        "classification-levels-from-config",
        lambda rs: rs,
        tuple(
            ("classification-tag-required", r, "unknown classification 'core'")
            for r in (
                "health",
                "health-router",
                "health-default-sg",
                "health-his-net",
                "health-his-ipv6",
                "health-his-ipv4",
                "health-records-net",
                "health-records-ipv6",
            )
        ),
        {"classification-tag-required": {"levels": ["general", "important"]}},
    ),
    # remote-backup-required
    Case(
        "backup-replica-missing",
        lambda rs: without(rs, "health-backup-replica-2", "health-backup-replica-2-versions"),
        (("remote-backup-required", "health", "needs 2 remote replica(s)"),),
    ),
    Case(
        "backup-replica-unsynced",
        lambda rs: with_props(rs, "health-backup-replica-2", containerSyncKey=DELETE),
        (
            ("remote-backup-required", "health-backup-replica-2", "is not linked to the home region"),
            ("remote-backup-required", "health", "it has 1"),
        ),
    ),
    Case(
        "backup-versions-container-serving-nothing",
        lambda rs: with_props(rs, "health-backup-replica-1", versioningLegacy=DELETE),
        (
            (
                "remote-backup-required",
                "health-backup-replica-1-versions",
                "is not linked to the home region",
            ),
        ),
    ),
    Case(
        "backup-replica-in-home-region",
        lambda rs: with_props(
            with_props(rs, "health-backup-replica-2", region="shenyang"),
            "health-backup-replica-2-versions",
            region="shenyang",
        ),
        (("remote-backup-required", "health", "it has 1"),),
    ),
    Case(
        "backup-count-from-config",
        lambda rs: rs,
        (("remote-backup-required", "health", "needs 3 remote replica(s)"),),
        {"remote-backup-required": {"replicas": {"core": 3}}},
    ),
    Case(
        "backup-important-without-containers",
        relabel("transport", "classification:important", "agency:transport"),
        (
            ("remote-backup-required", "transport", "has no Swift container in its home region"),
            ("remote-backup-required", "transport", "needs 1 remote replica(s)"),
        ),
    ),
    # core-data-encrypted
    Case(
        "encryption-weak-key",
        lambda rs: with_props(rs, "health-encryption-volume-type-encryption", keySize=128, cipher=DELETE),
        (
            (
                "core-data-encrypted",
                "health-encryption-volume-type-encryption",
                "no cipher; keySize is 128.0, not at least 256 bits",
            ),
        ),
    ),
    Case(
        "encryption-plain-location",
        lambda rs: with_props(rs, "health-encryption-volume-type-encryption", controlLocation="nowhere"),
        (("core-data-encrypted", "health-encryption-volume-type-encryption", "controlLocation is"),),
    ),
    Case(
        "encryption-spec-missing",
        lambda rs: without(rs, "health-encryption-volume-type-encryption"),
        (("core-data-encrypted", "health-encryption-volume-type", "has no Cinder encryption spec"),),
    ),
    Case(
        "encryption-no-volume-type",
        lambda rs: without(rs, "health-encryption-volume-type", "health-encryption-volume-type-encryption"),
        (("core-data-encrypted", "health", "has no encrypted volume type"),),
    ),
    # no-open-admin-ingress
    Case(
        "ingress-ssh-from-anywhere",
        lambda rs: with_props(rs, "health-sg-https-in", portRangeMin=22, portRangeMax=22),
        (("no-open-admin-ingress", "health-sg-https-in", "exposes administrative port(s) 22"),),
    ),
    Case(
        "ingress-any-protocol-no-remote",
        lambda rs: with_props(rs, "transport-sg-ipv6-group-in", remoteGroupId=DELETE),
        (("no-open-admin-ingress", "transport-sg-ipv6-group-in", "from anywhere (no remote prefix"),),
    ),
    Case(
        "ingress-ipv4-range",
        lambda rs: with_props(
            rs, "health-sg-https-in", remoteIpPrefix="0.0.0.0/0", portRangeMin=3000, portRangeMax=7000
        ),
        (("no-open-admin-ingress", "health-sg-https-in", "3306, 3389, 5432, 6379, 6443"),),
    ),
    Case(
        "ingress-ports-from-config",
        lambda rs: rs,
        tuple(
            ("no-open-admin-ingress", f"{t}-sg-https-in", "exposes administrative port(s) 443")
            for t in ("health", "transport")
        ),
        {"no-open-admin-ingress": {"adminPorts": [443]}},
    ),
    # no-overlapping-prefixes
    Case(
        "prefix-subnets-overlap",
        lambda rs: with_props(rs, "transport-traffic-ipv6", cidr="2001:db8:1001::/64"),
        (("no-overlapping-prefixes", "transport-traffic-ipv6", "overlaps Subnet 'health-his-ipv6'"),),
    ),
    Case(
        "prefix-pools-overlap",
        lambda rs: with_props(rs, "dalian-ipv6-pool", prefixes=["2001:db8::/32"]),
        (("no-overlapping-prefixes", "shenyang-ipv6-pool", "overlaps SubnetPool 'dalian-ipv6-pool'"),),
    ),
    Case(
        "prefix-invalid",
        lambda rs: with_props(rs, "health-his-ipv4", cidr="10.16.16.1/24"),
        (("no-overlapping-prefixes", "health-his-ipv4", "invalid prefix '10.16.16.1/24'"),),
    ),
    # quota-within-capacity (advisory)
    Case(
        "capacity-exceeded",
        lambda rs: rs,
        (("quota-within-capacity", "(stack)", "promise 128 vCPU, more than the 100"),),
        {"quota-within-capacity": {"regions": {"shenyang": {"vcpu": 100}}}},
    ),
    Case(
        "capacity-region-unknown",
        lambda rs: rs,
        (("quota-within-capacity", "(stack)", "region 'shenyang', whose capacity"),),
        {"quota-within-capacity": {"regions": {"dalian": {"vcpu": 0}}}},
    ),
)


def test_compliant_cloud_has_no_violation() -> None:
    assert evaluate(compliant_cloud(), BASE_CONFIG) == []


def test_every_policy_has_a_violating_case() -> None:
    covered = {policy for case in CASES for policy, _, _ in case.expected}
    assert covered == {p.name for p in POLICIES}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_violation(case: Case) -> None:
    config = {**BASE_CONFIG, **case.config}
    found = evaluate(case.mutate(compliant_cloud()), config)
    assert [(v.policy, v.resource) for v in found] == [(p, r) for p, r, _ in case.expected]
    for violation, (_, _, phrase) in zip(found, case.expected, strict=True):
        assert phrase in violation.message
        expected_level = "advisory" if violation.policy == "quota-within-capacity" else "mandatory"
        assert violation.level == expected_level


def levels(violations: Sequence[Any]) -> set[str]:
    return {v.level for v in violations}
