"""Data residency from a stack file: a tenant's classification may limit the zones its data lives in
(``classifications.core.zones`` in ``stacks/dev.yaml``). Optional glue: the scheduler reads the stack
spec; the stack never imports the scheduler."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from scheduler.model.inventory import Inventory
from stacks.replica import effective_protection
from stacks.spec import StackSpec


def stack_residency(spec: StackSpec) -> dict[str, frozenset[str]]:
    """tenant -> the zones its classification allows (tenants without a limit are left out)."""
    out: dict[str, frozenset[str]] = {}
    for tenant in spec.tenants:
        zones = effective_protection(spec, tenant).zones
        if zones is not None:
            out[tenant.name] = frozenset(zones)
    return out


def with_residency(inv: Inventory, residency: Mapping[str, frozenset[str]]) -> Inventory:
    """``inv`` with each tenant's residency intersected into its workloads' ``allowed_zones``."""
    workloads = []
    for w in inv.workloads:
        limit = residency.get(w.tenant or "")
        if limit is not None:
            allowed = limit if w.allowed_zones is None else w.allowed_zones & limit
            w = replace(w, allowed_zones=allowed)
        workloads.append(w)
    return Inventory(inv.zones, inv.tenants, tuple(workloads))
