"""The resource vocabulary: what each resource name in an inventory means.

Inventories may name any resource (the contract allows it), but the project's own sources write the
canonical names below, and every layer asks this module, never a name suffix, what a resource is:
its base unit for metrics (as kube-state-metrics does: ``core``, ``byte``, ``integer``), how many base
units one inventory unit is worth, and its role (planners break ties on the memory a move carries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    """What a resource is, for the planners and the metrics."""

    CPU = "cpu"
    MEMORY = "memory"
    STORAGE = "storage"
    OTHER = "other"


@dataclass(frozen=True)
class Resource:
    """One resource: its inventory name, its base unit and what one inventory unit is in it."""

    name: str
    unit: str
    factor: float = 1.0
    role: Role = Role.OTHER


CPU = Resource("cpu", "core", 1.0, Role.CPU)
"""Cores (vCPUs for VMs, CPU cores for pods)."""

MEMORY = Resource("memory_gib", "byte", 2.0**30, Role.MEMORY)
"""Memory in GiB."""

DISK = Resource("disk_gib", "byte", 2.0**30, Role.STORAGE)
"""Local or block storage in GiB."""

CANONICAL: tuple[Resource, ...] = (CPU, MEMORY, DISK)
"""The names the project's own sources write."""

_BYTE_SUFFIXES = {
    "_bytes": 1.0,
    "_kib": 2.0**10,
    "_mib": 2.0**20,
    "_gib": 2.0**30,
    "_tib": 2.0**40,
    "_kb": 1e3,
    "_mb": 1e6,
    "_gb": 1e9,
    "_tb": 1e12,
}
_CORE_NAMES = frozenset({"cpu", "cpus", "vcpu", "vcpus", "cores", "cpu_cores"})
_MEMORY_NAMES = frozenset({"memory", "mem", "ram"})


def resource(name: str) -> Resource:
    """The :class:`Resource` called ``name``: a canonical one, or one read from a hand-written name.

    Hand-written inventories may say ``vcpu``, ``ram_gib`` or ``scratch_tb``: cores, byte suffixes and
    the usual memory words are understood; anything else is a plain count.
    """
    for known in CANONICAL:
        if known.name == name:
            return known
    lowered = name.lower()
    if lowered in _CORE_NAMES:
        return Resource(name, "core", 1.0, Role.CPU)
    stem = lowered
    for suffix, factor in _BYTE_SUFFIXES.items():
        if lowered.endswith(suffix):
            stem = lowered[: -len(suffix)]
            role = Role.MEMORY if stem in _MEMORY_NAMES else Role.STORAGE
            return Resource(name, "byte", factor, role)
    if stem in _MEMORY_NAMES:
        return Resource(name, "integer", 1.0, Role.MEMORY)
    return Resource(name, "integer")


def memory_index(names: Sequence[str]) -> int | None:
    """The position of the memory resource among ``names`` (canonical first), or None."""
    roles = [resource(name).role for name in names]
    if MEMORY.name in names:
        return list(names).index(MEMORY.name)
    return roles.index(Role.MEMORY) if Role.MEMORY in roles else None
