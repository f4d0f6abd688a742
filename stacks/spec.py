"""The stack file's root model: one unified cloud, its regions, data levels and tenants."""

from __future__ import annotations

from pydantic import Field

from stacks.base import SpecModel
from stacks.classification import Classifications
from stacks.names import ShortName
from stacks.region import Region, Zone
from stacks.tenant import Tenant


class Cloud(SpecModel):
    name: ShortName
    display_name: str | None = None
    overcommit_allowed: bool = Field(
        default=False,
        description="Quotas summed per region may exceed capacity x overcommit: a warning, not an error.",
    )


class StackSpec(SpecModel):
    """A whole unified government cloud, as declared in ``stacks/<name>.yaml``."""

    cloud: Cloud
    regions: tuple[Region, ...] = Field(min_length=1)
    classifications: Classifications = Classifications()
    tenants: tuple[Tenant, ...] = ()

    def region(self, name: str) -> Region:
        """The region called ``name``; KeyError when there is none."""
        for region in self.regions:
            if region.name == name:
                return region
        raise KeyError(name)

    def tenant(self, name: str) -> Tenant:
        """The tenant called ``name``; KeyError when there is none."""
        for tenant in self.tenants:
            if tenant.name == name:
                return tenant
        raise KeyError(name)

    def tenants_in(self, region: str) -> tuple[Tenant, ...]:
        """Tenants whose home is ``region``, in file order."""
        return tuple(t for t in self.tenants if t.home_region == region)

    @property
    def zones(self) -> tuple[Zone, ...]:
        return tuple(zone for region in self.regions for zone in region.zones)

    def zone_region(self, zone: str) -> Region:
        """The region that holds ``zone``; KeyError when none does."""
        for region in self.regions:
            if any(z.name == zone for z in region.zones):
                return region
        raise KeyError(zone)
