"""The resource vocabulary: base units for metrics and roles for the planners."""

from __future__ import annotations

import pytest

from scheduler.model.resource import CPU, MEMORY, Role, memory_index, resource


@pytest.mark.parametrize(
    ("name", "unit", "factor", "role"),
    [
        ("cpu", "core", 1.0, Role.CPU),
        ("vcpus", "core", 1.0, Role.CPU),
        ("memory_gib", "byte", 2.0**30, Role.MEMORY),
        ("volume_tib", "byte", 2.0**40, Role.STORAGE),
        ("ram_mib", "byte", 2.0**20, Role.MEMORY),
        ("disk_gb", "byte", 1e9, Role.STORAGE),
        ("memory_bytes", "byte", 1.0, Role.MEMORY),
        ("mem", "integer", 1.0, Role.MEMORY),
        ("gpu", "integer", 1.0, Role.OTHER),
        ("bandwidth_mbps", "integer", 1.0, Role.OTHER),
    ],
)
def test_resource_unit_and_role(name: str, unit: str, factor: float, role: Role) -> None:
    found = resource(name)
    assert (found.name, found.unit, found.factor, found.role) == (name, unit, factor, role)


def test_canonical_names_are_what_sources_write() -> None:
    assert resource("cpu") is CPU
    assert resource("memory_gib") is MEMORY


@pytest.mark.parametrize(
    ("names", "index"),
    [
        (("cpu", "memory_gib"), 1),
        (("ram_gib", "cpu"), 0),
        (("cpu", "mem", "memory_gib"), 2),  # the canonical name wins over a guessed one
        (("cpu", "gpu"), None),
    ],
)
def test_memory_index(names: tuple[str, ...], index: int | None) -> None:
    assert memory_index(names) == index
