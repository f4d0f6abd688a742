"""Every rule a stack must satisfy beyond its types, gathered in one pure function."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from stacks.address_plan import check_address_plan
from stacks.capacity import check_capacity
from stacks.problem import FieldPath, Problem, format_path
from stacks.replica import check_replicas
from stacks.spec import StackSpec


def _duplicates(items: Iterable[tuple[FieldPath, object]], what: str) -> list[Problem]:
    seen: dict[object, FieldPath] = {}
    problems = []
    for path, key in items:
        if key in seen:
            problems.append(Problem(path, f"{what} {key!r} is already used at {format_path(seen[key])}"))
        else:
            seen[key] = path
    return problems


def check_unique(spec: StackSpec) -> list[Problem]:
    """Names of regions, zones, tenants and networks, and tenant and network slots, are unique."""
    problems = _duplicates(
        ((("regions", i, "name"), r.name) for i, r in enumerate(spec.regions)), "region name"
    )
    problems += _duplicates(
        (
            (("regions", ri, "zones", zi, "name"), z.name)
            for ri, r in enumerate(spec.regions)
            for zi, z in enumerate(r.zones)
        ),
        "zone name",
    )
    problems += _duplicates(
        ((("tenants", i, "name"), t.name) for i, t in enumerate(spec.tenants)), "tenant name"
    )
    problems += _duplicates(
        ((("tenants", i, "slot"), (t.home_region, t.slot)) for i, t in enumerate(spec.tenants)),
        "region and slot",
    )
    for ti, tenant in enumerate(spec.tenants):
        nets = list(enumerate(tenant.networks))
        problems += _duplicates(
            ((("tenants", ti, "networks", ni, "name"), n.name) for ni, n in nets), "network name"
        )
        problems += _duplicates(
            ((("tenants", ti, "networks", ni, "slot"), n.slot) for ni, n in nets), "network slot"
        )
    return problems


def check_retired_slots(spec: StackSpec) -> list[Problem]:
    """A retired slot is never reused: no tenant may take one, and each is retired once per region."""
    problems = _duplicates(
        (
            (("regions", ri, "retired_slots", si), (r.name, slot))
            for ri, r in enumerate(spec.regions)
            for si, slot in enumerate(r.retired_slots)
        ),
        "retired region and slot",
    )
    retired = {
        (r.name, slot): ("regions", ri, "retired_slots", si)
        for ri, r in enumerate(spec.regions)
        for si, slot in enumerate(r.retired_slots)
    }
    for ti, tenant in enumerate(spec.tenants):
        where = retired.get((tenant.home_region, tenant.slot))
        if where is not None:
            problems.append(
                Problem(
                    ("tenants", ti, "slot"),
                    f"slot {tenant.slot} of region {tenant.home_region!r} is retired "
                    f"({format_path(where)}) and is never reused: give the tenant a new slot",
                )
            )
    return problems


def check_references(spec: StackSpec) -> list[Problem]:
    """Home regions and classification zones name things the stack declares."""
    regions = {r.name for r in spec.regions}
    zones = {z.name for z in spec.zones}
    problems = [
        Problem(("tenants", i, "home_region"), f"region {t.home_region!r} is not declared under regions")
        for i, t in enumerate(spec.tenants)
        if t.home_region not in regions
    ]
    for level in ("general", "important", "core"):
        allowed = getattr(spec.classifications, level).zones or ()
        problems += [
            Problem(("classifications", level, "zones", i), f"zone {z!r} is not declared in any region")
            for i, z in enumerate(allowed)
            if z not in zones
        ]
    return problems


CHECKS: tuple[Callable[[StackSpec], list[Problem]], ...] = (
    check_unique,
    check_retired_slots,
    check_references,
    check_address_plan,
    check_replicas,
    check_capacity,
)


def check_stack(spec: StackSpec) -> list[Problem]:
    """All problems of a typed stack, errors and warnings, without file or line yet."""
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(spec))
    return problems
