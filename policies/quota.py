"""tenant-quotas-required: every project has compute, network and block-storage quotas, none unlimited."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.props import UNKNOWN, number
from policies.scope import StackIndex, label
from policies.tokens import BLOCK_STORAGE_QUOTA, COMPUTE_QUOTA, NETWORK_QUOTA

NAME = "tenant-quotas-required"

REQUIRED_LIMITS: dict[str, tuple[str, tuple[str, ...]]] = {
    COMPUTE_QUOTA: ("compute", ("cores", "ram", "instances")),
    NETWORK_QUOTA: ("network", ("network", "subnet", "port", "router", "securityGroup", "floatingip")),
    BLOCK_STORAGE_QUOTA: ("block-storage", ("volumes", "gigabytes", "snapshots", "backups")),
}
"""Per quota type: what people call it, and the limits that must be set to a finite number."""


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex(args.resources)
    for tenant in index.tenants:
        for quota_type, (kind, limits) in REQUIRED_LIMITS.items():
            quotas = index.owned(tenant, quota_type)
            if not quotas:
                report(f"project {tenant.name!r} has no {kind} quota ({quota_type})", tenant.urn)
                continue
            for quota in quotas:
                props = index.props(quota)
                for limit in limits:
                    value = props.get(limit)
                    if value is UNKNOWN:
                        continue
                    amount = number(value)
                    if amount is None:
                        report(f"{label(quota)} of project {tenant.name!r} leaves {limit} unset", quota.urn)
                    elif amount < 0:
                        report(
                            f"{label(quota)} of project {tenant.name!r} makes {limit} unlimited ({amount:g})",
                            quota.urn,
                        )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Every project has compute, network and block-storage quotas, and none is unlimited.",
    validate=validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation_steps=(
        "Give the tenant a compute.QuotaSetV2, a networking.QuotaV2 and a blockstorage.QuoteSetV3 under "
        "its Tenant component, each setting "
        + "; ".join(f"{kind}: {', '.join(limits)}" for kind, limits in REQUIRED_LIMITS.values())
        + " to a number >= 0 (never -1, which OpenStack reads as unlimited)."
    ),
)
