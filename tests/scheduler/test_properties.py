"""Properties over random inventories, checked by the independent plan checker:
every plan is safe at every step and never raises the imbalance; the heuristic never beats the exact
optimum; the lower bound never exceeds either plan."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.model.inventory_file import inventory_to_dict
from scheduler.model.synthetic import random_inventory
from scheduler.planning.drain import drain
from scheduler.planning.rebalance import rebalance
from tests.scheduler.plan_checker import check_plan, imbalance, utilization

inventories = st.builds(
    random_inventory,
    st.integers(0, 10_000),
    workloads=st.integers(4, 22),
    hosts=st.integers(2, 6),
    zones=st.integers(2, 3),
    fill=st.floats(0.3, 0.9),
    skew=st.floats(1.0, 4.0),
    pinned=st.sampled_from([0.0, 0.1, 0.3]),
)
limits = st.one_of(st.none(), st.integers(0, 4))
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(inventories, limits)
def test_plans_are_safe_and_never_worse(inv, max_moves) -> None:
    data = inventory_to_dict(inv)
    heuristic = rebalance(inv, max_moves=max_moves)
    exact = rebalance(inv, max_moves=max_moves, strategy="exact", time_limit=2.0)
    before = imbalance(utilization(data, {w["name"]: w["host"] for w in data["workloads"]}))
    for plan in (heuristic, exact):
        assert check_plan(data, plan.to_json(), max_moves) == []
        assert plan.after.imbalance <= before + 1e-9
        assert plan.lower_bound is not None
        assert plan.lower_bound <= plan.after.imbalance + 1e-7
    if exact.optimal:
        assert heuristic.after.imbalance >= exact.after.imbalance - 1e-9
    assert heuristic.lower_bound <= exact.after.imbalance + 1e-7
    assert exact.lower_bound <= heuristic.after.imbalance + 1e-7


@settings(max_examples=15, deadline=None)
@given(inventories, st.integers(0, 2))
def test_drain_plans_empty_the_zone_safely(inv, which) -> None:
    zone = inv.zones[which % len(inv.zones)].name
    result = drain(inv, zone)
    leaving = {w.name for w in inv.workloads if inv.zone_of(w.host) == zone}
    if result.plan is None:
        assert result.shortfalls
        assert all(s.reasons for s in result.shortfalls)
        assert {s.workload for s in result.shortfalls} <= leaving
        return
    plan = result.plan.to_json()
    data = inventory_to_dict(inv)
    problems = [p for p in check_plan(data, plan) if "raises the imbalance" not in p]
    assert problems == []
    assert {m["workload"] for m in plan["moves"]} == leaving
    assert all(m["to_zone"] != zone for m in plan["moves"])
