"""Exact mode's limits and honesty: too-large inventories fall back to the heuristic's safe plan and
say so; a proven optimum carries a matching bound."""

from __future__ import annotations

import pytest

import scheduler.planning.exact as exact_module
from scheduler.model.inventory_file import inventory_to_dict
from scheduler.model.synthetic import random_inventory
from scheduler.planning.rebalance import rebalance
from tests.scheduler.plan_checker import check_plan


def test_too_large_for_the_milp_falls_back_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    inv = random_inventory(7, workloads=30, hosts=6, zones=3)
    monkeypatch.setattr(exact_module, "MAX_PLACEMENTS", 10)
    plan = rebalance(inv, strategy="exact", time_limit=2.0)
    assert plan.reason is not None
    assert "too large for the zone-level MILP" in plan.reason
    assert "too large for the host-level MILP" in plan.reason
    assert not plan.optimal or plan.after.imbalance <= (plan.lower_bound or 0) + 1e-9
    assert check_plan(inventory_to_dict(inv), plan.to_json()) == []
    heuristic = rebalance(inv)
    assert plan.after.imbalance == pytest.approx(heuristic.after.imbalance)


def test_exact_is_never_worse_than_the_heuristic() -> None:
    for seed in range(3):
        inv = random_inventory(seed, workloads=24, hosts=6, zones=3)
        fast = rebalance(inv)
        best = rebalance(inv, strategy="exact", time_limit=3.0)
        assert best.after.imbalance <= fast.after.imbalance + 1e-12
        assert best.lower_bound is not None
        assert best.lower_bound <= best.after.imbalance + 1e-9
        if best.optimal:
            assert best.after.imbalance - best.lower_bound < 1e-6
