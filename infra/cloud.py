"""The whole cloud from a checked stack: one component per region, one per tenant."""

from __future__ import annotations

from dataclasses import dataclass, field

from pulumi import Input

from infra.region import RegionalCloud, RegionArgs
from infra.tenant import Roles, TenantArgs, TenantProject
from stacks import StackSpec
from stacks.address_plan import address_plan
from stacks.replica import backup_plan


@dataclass(frozen=True)
class CloudOptions:
    """Settings that come from Pulumi config rather than the stack file."""

    roles: Roles = field(default_factory=Roles)
    sync_realm: str = "govcloud"
    sync_key: Input[str] | None = None
    domain_id: str | None = None


@dataclass(frozen=True)
class Cloud:
    regions: dict[str, RegionalCloud]
    tenants: dict[str, TenantProject] = field(default_factory=dict)

    def outputs(self) -> dict[str, object]:
        """Stack outputs: per tenant its project id, prefixes, network ids and backup containers."""
        return {"tenants": {name: t.exported for name, t in self.tenants.items()}}


def build_cloud(spec: StackSpec, options: CloudOptions | None = None) -> Cloud:
    """Declare every region and tenant of ``spec``. Must run inside a Pulumi program (or under mocks)."""
    options = options or CloudOptions()
    regions = {r.name: RegionalCloud(RegionArgs(r)) for r in spec.regions}
    tenants: dict[str, TenantProject] = {}
    for tenant, prefixes in zip(spec.tenants, address_plan(spec), strict=True):
        tenants[tenant.name] = TenantProject(
            TenantArgs(
                tenant=tenant,
                prefixes=prefixes,
                backup=backup_plan(spec, tenant),
                regions=regions,
                roles=options.roles,
                sync_realm=options.sync_realm,
                sync_key=options.sync_key,
                domain_id=options.domain_id,
            )
        )
    return Cloud(regions, tenants)
