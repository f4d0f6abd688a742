"""The policy pack's name and its policies, in the order they are reported."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy

from policies import backup, capacity, classification, encryption, ingress, ipv6, prefix, quota

PACK_NAME = "govcloud"
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY

POLICIES: tuple[Policy, ...] = (
    quota.POLICY,
    ipv6.POLICY,
    classification.POLICY,
    backup.POLICY,
    encryption.POLICY,
    ingress.POLICY,
    prefix.POLICY,
    capacity.POLICY,
)
