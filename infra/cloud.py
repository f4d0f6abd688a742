"""The whole cloud from a checked stack: one component per region, one per tenant."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from pulumi import Input

from infra.region import RegionalCloud, RegionArgs
from infra.tenant import Roles, TenantArgs, TenantProject
from stacks import StackSpec
from stacks.address_plan import address_plan
from stacks.classification import Level
from stacks.replica import BackupPlan, backup_plan

LEVEL_ORDER = (Level.GENERAL, Level.IMPORTANT, Level.CORE)


@dataclass(frozen=True)
class CloudOptions:
    """Settings that come from Pulumi config rather than the stack file."""

    roles: Roles = field(default_factory=Roles)
    sync_realm: str = "govcloud"
    sync_key: Input[str] | None = None
    domain_id: str | None = None


@dataclass(frozen=True)
class Cloud:
    """The declared cloud: each region's shared resources and each tenant's project, by name."""

    regions: dict[str, RegionalCloud]
    tenants: dict[str, TenantProject] = field(default_factory=dict)

    def outputs(self) -> dict[str, object]:
        """Stack outputs: per tenant its project id, prefixes, network ids and backup containers."""
        return {"tenants": {name: t.exported for name, t in self.tenants.items()}}


def region_level(spec: StackSpec, region: str, plans: Mapping[str, BackupPlan]) -> Level:
    """The most sensitive level of data the region holds, as a tenant's home or as a replica site."""
    held = [
        t.classification
        for t in spec.tenants
        if t.home_region == region or region in plans[t.name].replica_regions
    ]
    return max(held, key=LEVEL_ORDER.index, default=Level.GENERAL)


def build_cloud(
    spec: StackSpec, options: CloudOptions | None = None, tenants: Collection[str] | None = None
) -> Cloud:
    """Declare every region of ``spec`` and its tenants (or only those named in ``tenants``).

    Must run inside a Pulumi program (or under mocks).
    """
    options = options or CloudOptions()
    plans = {t.name: backup_plan(spec, t) for t in spec.tenants}
    regions = {r.name: RegionalCloud(RegionArgs(r, region_level(spec, r.name, plans))) for r in spec.regions}
    declared: dict[str, TenantProject] = {}
    for tenant, prefixes in zip(spec.tenants, address_plan(spec), strict=True):
        if tenants is not None and tenant.name not in tenants:
            continue
        declared[tenant.name] = TenantProject(
            TenantArgs(
                tenant=tenant,
                prefixes=prefixes,
                backup=plans[tenant.name],
                regions=regions,
                roles=options.roles,
                sync_realm=options.sync_realm,
                sync_key=options.sync_key,
                domain_id=options.domain_id,
            )
        )
    return Cloud(regions, declared)
