"""Base units for resource amounts: inventories say ``memory_gib``, Prometheus wants bytes.

Each absolute quantity is exported in a base unit named by a ``unit`` label, as kube-state-metrics does
(``core``, ``byte``, ``integer``). The ``resource`` label keeps the inventory's name, so every metric
about one resource joins on it. Ratios need no conversion.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Unit:
    """The base unit a resource is exported in, and what one inventory unit is worth in it."""

    name: str
    factor: float = 1.0


def unit_of(resource: str) -> Unit:
    """The base unit of ``resource`` from its name: ``*_gib`` -> bytes, ``cpu`` -> cores, else a count."""
    lowered = resource.lower()
    if lowered in _CORE_NAMES:
        return Unit("core")
    for suffix, factor in _BYTE_SUFFIXES.items():
        if lowered.endswith(suffix):
            return Unit("byte", factor)
    return Unit("integer")
