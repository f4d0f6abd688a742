"""Remote backup replicas: how many copies of a tenant's data live off-site, and where."""

from __future__ import annotations

from dataclasses import dataclass

from stacks.classification import Protection
from stacks.problem import Problem
from stacks.region import SiteRole
from stacks.spec import StackSpec
from stacks.tenant import Tenant


@dataclass(frozen=True)
class ReplicaPlacement:
    """One remote replica: its index (1-based) and the region that holds it."""

    index: int
    region: str


@dataclass(frozen=True)
class BackupPlan:
    """A tenant's effective data protection: its level's defaults with its own overrides applied."""

    tenant: str
    home_region: str
    replicas: tuple[ReplicaPlacement, ...]
    rpo_minutes: int
    encryption: bool
    zones: tuple[str, ...] | None

    @property
    def replica_regions(self) -> tuple[str, ...]:
        return tuple(r.region for r in self.replicas)


def effective_protection(spec: StackSpec, tenant: Tenant) -> Protection:
    """The tenant's classification defaults with its backup overrides applied."""
    protection = spec.classifications.of(tenant.classification)
    override = tenant.backup
    if override is None:
        return protection
    changes = {
        key: value
        for key, value in (("replicas", override.replicas), ("rpo_minutes", override.rpo_minutes))
        if value is not None
    }
    return protection.model_copy(update=changes)


def candidate_regions(spec: StackSpec, tenant: Tenant) -> tuple[str, ...]:
    """Regions that may hold the tenant's replicas, in order: the override's, or every eligible site."""
    if tenant.backup is not None and tenant.backup.regions is not None:
        return tenant.backup.regions
    site = effective_protection(spec, tenant).site
    return tuple(
        r.name
        for r in spec.regions
        if r.name != tenant.home_region and (site is SiteRole.PRIMARY or r.role is site)
    )


def backup_plan(spec: StackSpec, tenant: Tenant) -> BackupPlan:
    """Where each replica goes: spread round-robin over the candidate regions. Assumes a checked spec."""
    protection = effective_protection(spec, tenant)
    regions = candidate_regions(spec, tenant)
    placements = tuple(
        ReplicaPlacement(index=i + 1, region=regions[i % len(regions)]) for i in range(protection.replicas)
    )
    return BackupPlan(
        tenant=tenant.name,
        home_region=tenant.home_region,
        replicas=placements,
        rpo_minutes=protection.rpo_minutes,
        encryption=protection.encryption,
        zones=protection.zones,
    )


def check_replicas(spec: StackSpec) -> list[Problem]:
    """Tenants whose data must leave home but have no other eligible region to go to."""
    problems: list[Problem] = []
    regions = {r.name: r for r in spec.regions}
    for ti, tenant in enumerate(spec.tenants):
        if tenant.home_region not in regions:
            continue  # reported by the reference check
        protection = effective_protection(spec, tenant)
        override_regions = tenant.backup.regions if tenant.backup is not None else None
        if override_regions is not None:
            for ri, name in enumerate(override_regions):
                path = ("tenants", ti, "backup", "regions", ri)
                if name not in regions:
                    problems.append(Problem(path, f"region {name!r} is not declared under regions"))
                elif name == tenant.home_region:
                    problems.append(Problem(path, "a remote replica cannot live in the home region"))
                elif protection.site is SiteRole.BACKUP and regions[name].role is not SiteRole.BACKUP:
                    problems.append(
                        Problem(
                            path,
                            f"region {name!r} is not a backup site, which {tenant.classification} "
                            "data requires",
                        )
                    )
            if len(set(override_regions)) != len(override_regions):
                problems.append(
                    Problem(("tenants", ti, "backup", "regions"), "lists a region more than once")
                )
        if protection.replicas and not candidate_regions(spec, tenant):
            problems.append(
                Problem(
                    ("tenants", ti, "classification"),
                    f"{tenant.classification} data needs {protection.replicas} remote replica(s) in a "
                    f"{protection.site} site other than home region {tenant.home_region!r}, and the stack "
                    "has none",
                )
            )
    return problems
