"""Goal 8: the same inventory and options give the same plan on any machine (work, not time, stops)."""

from __future__ import annotations

from scheduler.model.synthetic import scale_inventory
from scheduler.planning import descent
from scheduler.planning.descent import work_budget
from scheduler.planning.rebalance import rebalance


def test_same_inventory_gives_identical_moves_twice() -> None:
    inv = scale_inventory(7, workloads=5000, hosts=250, zones=4)
    first = rebalance(inv, time_limit=120.0)
    second = rebalance(inv, time_limit=120.0)
    assert first.moves
    assert first.moves == second.moves
    assert first.after.imbalance == second.after.imbalance
    assert first.reason is None  # stopped by work or convergence, not by the safety net


def test_work_budget_stops_the_search_and_the_plan_stays_the_same(monkeypatch) -> None:
    inv = scale_inventory(3, workloads=5000, hosts=250, zones=4)
    monkeypatch.setattr(descent, "WORK_FLOOR", 0)
    monkeypatch.setattr(descent, "WORK_PER_WORKLOAD_ZONE", 1)  # a tiny budget: cut early, but by work
    assert work_budget(5000, 4) == 20_000
    first = rebalance(inv, time_limit=120.0)
    second = rebalance(inv, time_limit=120.0)
    assert first.moves == second.moves
    assert first.reason is None
