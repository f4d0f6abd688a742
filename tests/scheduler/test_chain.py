"""Ejection chains in the heuristic: a blocker leaves the destination first, then the move it blocked.

Plans are checked by the independent ``plan_checker``; with chains never worse than without, and the
same plan twice.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scheduler.planning.chain as chain
from scheduler.model.inventory import Host, Inventory, InventoryZone, Workload
from scheduler.model.inventory_file import inventory_to_dict
from scheduler.model.synthetic import random_inventory
from scheduler.planning.rebalance import rebalance
from tests.scheduler.plan_checker import check_plan


def _inventory(hosts: dict[str, list[tuple[str, float]]]) -> Inventory:
    """One host of 10 cpu per zone (``z-<host>``); workloads as (name, cpu) on each host."""
    zones = tuple(InventoryZone(f"z-{h}", None, (Host(h, f"z-{h}", {"cpu": 10.0}),)) for h in hosts)
    workloads = tuple(
        Workload(name, None, h, {"cpu": cpu}) for h, placed in hosts.items() for name, cpu in placed
    )
    return Inventory(zones=zones, workloads=workloads)


def test_a_blocker_makes_room_for_the_move_that_lowers_the_imbalance(monkeypatch: pytest.MonkeyPatch) -> None:
    # s 9/10, d 7/10, e 5/10: w (4) would even s and d out but d has room for 3 only, and no single
    # move or swap lowers the imbalance. The chain: b (3) from d to e, then w into d.
    inv = _inventory({"s": [("w", 4.0), ("p", 5.0)], "d": [("b", 3.0), ("x", 4.0)], "e": [("q", 5.0)]})
    plan = rebalance(inv)
    assert [(m.workload, m.to_zone) for m in plan.moves] == [("b", "z-e"), ("w", "z-d")]
    assert plan.after.imbalance == pytest.approx(0.3)
    assert check_plan(inventory_to_dict(inv), plan.to_json()) == []
    monkeypatch.setattr(chain, "CHAIN_UP_TO", -1)
    assert rebalance(inv).after.imbalance == pytest.approx(0.4)


tight = st.builds(
    random_inventory,
    st.integers(0, 10_000),
    workloads=st.integers(8, 40),
    hosts=st.integers(3, 8),
    zones=st.integers(3, 4),
    fill=st.floats(0.8, 0.97),
    skew=st.floats(1.0, 4.0),
    pinned=st.sampled_from([0.0, 0.1]),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tight, st.one_of(st.none(), st.integers(2, 6)))
def test_chains_are_safe_never_worse_and_deterministic(inv: Inventory, max_moves: int | None) -> None:
    data = inventory_to_dict(inv)
    plan = rebalance(inv, max_moves=max_moves)
    assert check_plan(data, plan.to_json(), max_moves) == []
    assert rebalance(inv, max_moves=max_moves).moves == plan.moves
    saved = chain.CHAIN_UP_TO
    chain.CHAIN_UP_TO = -1  # (no monkeypatch fixture inside a hypothesis test)
    try:
        without = rebalance(inv, max_moves=max_moves)
    finally:
        chain.CHAIN_UP_TO = saved
    assert plan.after.imbalance <= without.after.imbalance + 1e-12
