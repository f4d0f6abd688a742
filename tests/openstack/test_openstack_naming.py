"""The pure parts of the OpenStack source: workload names, Placement capacities, the stack's part."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.adapters.openstack.source import provider_capacity, tenant_caps, workload_names
from scheduler.model.residency import stack_residency
from stacks.load import load_stack


@dataclass(frozen=True)
class _Server:
    id: str
    name: str
    project_id: str


def test_names_are_project_slash_server_and_repeats_get_an_id_suffix() -> None:
    servers = [
        _Server("b2c3d4e5-0000", "web", "p1"),
        _Server("a1b2c3d4-0000", "web", "p1"),
        _Server("c3d4e5f6-0000", "web", "p2"),
        _Server("d4e5f6a7-0000", "db", "gone"),
    ]
    names = workload_names(servers, {"p1": "health", "p2": "edu"})
    assert {n: ref.id for n, ref in names.items()} == {
        "health/web@a1b2c3d4": "a1b2c3d4-0000",
        "health/web@b2c3d4e5": "b2c3d4e5-0000",
        "edu/web": "c3d4e5f6-0000",
        "gone/db": "d4e5f6a7-0000",  # a project Keystone no longer lists keeps its id as the name
    }
    # Stable whatever order Nova lists the servers in.
    assert workload_names(list(reversed(servers)), {"p1": "health", "p2": "edu"}) == names


@dataclass(frozen=True)
class _PlacementInventory:
    total: int
    reserved: int
    allocation_ratio: float


def test_placement_capacity_is_after_overcommit_and_keeps_the_ratios() -> None:
    got = provider_capacity(
        {
            "VCPU": _PlacementInventory(total=10, reserved=2, allocation_ratio=4.0),
            "MEMORY_MB": _PlacementInventory(total=8192, reserved=512, allocation_ratio=1.5),
            "DISK_GB": _PlacementInventory(total=100, reserved=0, allocation_ratio=1.0),  # not scheduled on
        }
    )
    assert got.capacity == {"cpu": (10 - 2) * 4.0, "memory_gib": (8192 - 512) * 1.5 / 1024}
    assert got.allocation_ratio == {"cpu": 4.0, "memory_gib": 1.5}
    # Physical capacity, as the inventory derives it, is what Placement has left after `reserved`.
    assert got.capacity["cpu"] / got.allocation_ratio["cpu"] == 10 - 2
    assert provider_capacity({}).capacity == {}


def test_stack_gives_per_zone_caps_and_classification_zones() -> None:
    spec = load_stack("stacks/dev.yaml").spec
    caps = tenant_caps(spec)
    assert caps["health"] == {z: {"cpu": 96.0, "memory_gib": 192.0} for z in ("sy-az1", "sy-az2", "sy-az3")}
    assert caps["transport"]["sy-az3"] == {"cpu": 48.0, "memory_gib": 96.0}
    # Only "core" data is confined (to sy-az1 and sy-az2) in the dev stack.
    assert stack_residency(spec) == {
        "health": frozenset({"sy-az1", "sy-az2"}),
        "police": frozenset({"sy-az1", "sy-az2"}),
    }
