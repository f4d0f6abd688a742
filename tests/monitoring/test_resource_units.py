"""Resource names map to kube-state-metrics style base units."""

from __future__ import annotations

import pytest

from monitoring.units import Unit, unit_of


@pytest.mark.parametrize(
    ("resource", "unit"),
    [
        ("cpu", Unit("core")),
        ("vcpus", Unit("core")),
        ("memory_gib", Unit("byte", 2.0**30)),
        ("volume_tib", Unit("byte", 2.0**40)),
        ("ram_mib", Unit("byte", 2.0**20)),
        ("disk_gb", Unit("byte", 1e9)),
        ("memory_bytes", Unit("byte")),
        ("gpu", Unit("integer")),
        ("bandwidth_mbps", Unit("integer")),
    ],
)
def test_unit_of(resource: str, unit: Unit) -> None:
    assert unit_of(resource) == unit
