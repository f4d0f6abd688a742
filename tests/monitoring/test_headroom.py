"""N+1 headroom: what the other zones could absorb if one failed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.headroom import failover_spare, zone_spare
from scheduler.model.inventory import Host, Inventory, InventoryZone, Workload


def _inventory() -> Inventory:
    return Inventory(
        zones=(
            InventoryZone(
                "a", "r1", (Host("a1", "a", {"cpu": 10, "mem": 40}), Host("a2", "a", {"cpu": 10, "mem": 40}))
            ),
            # b2 is cordoned: its free room cannot receive anything.
            InventoryZone(
                "b", "r1", (Host("b1", "b", {"cpu": 10, "mem": 40}), Host("b2", "b", {"cpu": 10}, False))
            ),
            # c1 is overloaded in cpu: it lends no cpu, and does not take room from c2 either.
            InventoryZone(
                "c", "r2", (Host("c1", "c", {"cpu": 4, "mem": 8}), Host("c2", "c", {"cpu": 6, "mem": 8}))
            ),
        ),
        workloads=(
            Workload("w1", None, "a1", {"cpu": 8, "mem": 10}),
            Workload("w2", None, "a2", {"cpu": 2}),
            Workload("w3", None, "b1", {"cpu": 5, "mem": 30}),
            Workload("w4", None, "c1", {"cpu": 6, "mem": 2}),
        ),
    )


def test_zone_spare_counts_schedulable_hosts_and_never_negative_room() -> None:
    spare = zone_spare(_inventory())
    assert spare == {
        "a": {"cpu": 2 + 8, "mem": 30 + 40},
        "b": {"cpu": 5, "mem": 10},
        "c": {"cpu": 0 + 6, "mem": 6 + 8},
    }


def test_failover_spare_sums_the_other_zones() -> None:
    spare = failover_spare(_inventory())
    assert spare["a"] == {"cpu": 5 + 6, "mem": 10 + 14}
    assert spare["b"] == {"cpu": 10 + 6, "mem": 70 + 14}
    assert spare["c"] == {"cpu": 10 + 5, "mem": 70 + 10}


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    zones = []
    workloads = []
    for z in range(draw(st.integers(1, 4))):
        hosts = []
        for h in range(draw(st.integers(1, 3))):
            name = f"z{z}h{h}"
            cap = {"cpu": draw(st.integers(0, 16))}
            hosts.append(Host(name, f"z{z}", cap, draw(st.booleans())))
            for w in range(draw(st.integers(0, 3))):
                workloads.append(Workload(f"{name}w{w}", None, name, {"cpu": draw(st.integers(0, 8))}))
        zones.append(InventoryZone(f"z{z}", None, tuple(hosts)))
    return Inventory(tuple(zones), (), tuple(workloads))


@settings(max_examples=60, deadline=None)
@given(inventories())
def test_failover_spare_is_the_others_room_and_bounded_by_their_free_capacity(inv: Inventory) -> None:
    spare = zone_spare(inv)
    failover = failover_spare(inv)
    for zone in inv.zones:
        others = [z for z in inv.zones if z.name != zone.name]
        assert failover[zone.name]["cpu"] == sum(spare[z.name]["cpu"] for z in others)
        schedulable_capacity = sum(h.capacity["cpu"] for z in others for h in z.hosts if h.schedulable)
        assert 0 <= failover[zone.name]["cpu"] <= schedulable_capacity
