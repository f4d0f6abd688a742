"""Offline evaluation hands policies what the engine would: camelCase props as the SDK decodes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from policies.config import PolicyConfigError
from policies.evaluate import evaluate
from policies.inputs import PolicyInput, Violation
from policies.props import UNKNOWN, plain
from tests.policies.policy_stack import compliant_cloud, named, with_props


def probe_resources(resources: list[PolicyInput], config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    seen: dict[str, ResourceValidationArgs] = {}

    def look(args: ResourceValidationArgs, report: Any) -> None:
        seen[args.name] = args

    policy = ResourceValidationPolicy(name="probe", description="records its args", validate=look)
    evaluate(resources, config, policies=[policy])
    return seen


def test_resource_args_are_shaped_like_the_engines() -> None:
    seen = probe_resources(compliant_cloud(), {"probe": {"limit": 3}})
    quota = seen["health-quotas-compute"]
    assert quota.resource_type == "openstack:compute/quotaSetV2:QuotaSetV2"
    assert quota.props["cores"] == 64.0 and isinstance(quota.props["cores"], float)
    # A URN qualifies the type with its parent's type only, as Pulumi's do.
    assert quota.urn == f"urn:pulumi:dev::govcloud::govcloud:index:Quotas${quota.resource_type}::{quota.name}"
    assert quota.opts.parent is not None and quota.opts.parent.endswith("::health-quotas")
    assert quota.provider is not None
    assert quota.provider.resource_type == "pulumi:providers:openstack"
    assert quota.provider.props["region"] == "shenyang"
    assert quota.get_config() == {"limit": 3.0}
    # Secrets reach a policy unwrapped, as the SDK decodes them; the masked value stays masked.
    assert seen["health-backup-replica-1"].props["containerSyncKey"] == "[secret]"


def test_unknown_values_raise_like_in_preview_and_plain_marks_them() -> None:
    resources = with_props(compliant_cloud(), "health-his-ipv6", cidr=UNKNOWN)
    args = probe_resources(resources)["health-his-ipv6"]
    with pytest.raises(UnknownValueError):
        args.props["cidr"]
    assert plain(args.props)["cidr"] is UNKNOWN


def test_unknown_values_are_not_violations() -> None:
    resources = with_props(compliant_cloud(), "health-his-ipv6", cidr=UNKNOWN, ipv6RaMode=UNKNOWN)
    resources = with_props(resources, "health-router", tags=UNKNOWN)
    resources = with_props(resources, "health-backup-replica-2", containerSyncKey=UNKNOWN)
    assert evaluate(resources) == []


def test_stack_args_link_parents_and_dependencies() -> None:
    seen: list[StackValidationArgs] = []
    policy = StackValidationPolicy(
        name="probe", description="records its args", validate=lambda args, report: seen.append(args)
    )
    resources = compliant_cloud()
    project = named(resources, "health")
    quota = named(resources, "health-quotas-compute")
    resources = [
        replace(r, property_dependencies={"projectId": (project.urn,)}) if r is quota else r
        for r in resources
    ]
    evaluate(resources, policies=[policy])
    by_urn = {r.urn: r for r in seen[0].resources}
    linked = by_urn[quota.urn]
    assert linked.parent is by_urn[quota.parent]
    assert linked.parent.parent is by_urn[project.parent]
    assert linked.parent.parent.resource_type == "govcloud:index:Tenant"
    assert linked.property_dependencies["projectId"] == [by_urn[project.urn]]


def test_ownership_follows_project_dependencies_when_there_is_no_parent() -> None:
    resources = compliant_cloud()
    project = named(resources, "health")
    stack = resources[0].urn
    moved = [
        replace(r, parent=stack, property_dependencies={"projectId": (project.urn,)})
        if r.name == "health-quotas-network"
        else r
        for r in resources
    ]
    assert evaluate(moved) == []
    orphaned = [replace(r, parent=stack) if r.name == "health-quotas-network" else r for r in resources]
    assert [(v.policy, v.resource) for v in evaluate(orphaned)] == [("tenant-quotas-required", "health")]


def test_subnets_follow_their_network_dependency() -> None:
    resources = compliant_cloud()
    network = named(resources, "health-records-net")
    subnet = named(resources, "health-records-ipv6")
    networking = named(resources, "health-router").parent  # holds both of health's networks
    loose = [replace(r, parent=networking) if r is subnet else r for r in resources]
    assert [(v.policy, v.resource) for v in evaluate(loose)] == [("ipv6-required", "health-records-net")]
    linked = [
        replace(r, property_dependencies={"networkId": (network.urn,)}) if r.urn == subnet.urn else r
        for r in loose
    ]
    assert evaluate(linked) == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, ["mandatory"]),
        ({"no-open-admin-ingress": "advisory"}, ["advisory"]),
        ({"no-open-admin-ingress": {"enforcementLevel": "disabled"}}, []),
        ({"all": "disabled"}, []),
        ({"all": "advisory", "no-open-admin-ingress": "remediate"}, ["mandatory"]),
    ],
)
def test_enforcement_levels_come_from_config(config: dict[str, Any], expected: list[str]) -> None:
    resources = with_props(compliant_cloud(), "health-sg-https-in", portRangeMin=22, portRangeMax=22)
    assert [v.level for v in evaluate(resources, config)] == expected


def test_bad_config_names_the_policy_and_key() -> None:
    with pytest.raises(PolicyConfigError, match=r"'no-open-admin-ingress': config 'adminPorts'"):
        evaluate(compliant_cloud(), {"no-open-admin-ingress": {"adminPorts": ["ssh"]}})
    with pytest.raises(PolicyConfigError, match=r"config 'replicas.core': must be a whole number >= 0"):
        evaluate(compliant_cloud(), {"remote-backup-required": {"replicas": {"core": -1}}})


def test_capacity_without_config_is_not_applicable() -> None:
    policy_names = {v.policy for v in evaluate(compliant_cloud(), {})}
    assert "quota-within-capacity" not in policy_names


def test_violation_json_follows_the_contract() -> None:
    violation = Violation("ipv6-required", EnforcementLevel.MANDATORY.value, "his", "no IPv6", "urn:x")
    assert violation.as_json() == {
        "policy": "ipv6-required",
        "level": "mandatory",
        "resource": "his",
        "message": "no IPv6",
        "urn": "urn:x",
    }
    assert violation.mandatory
