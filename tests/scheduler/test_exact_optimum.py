"""Exact mode proves optimality, and its proof holds: counting interchangeable workloads changes no
optimum, the lattice bound never exceeds the best safe plan (brute force), and an ``optimal`` plan
equals the optimum of an independent MILP (one binary per workload, no lattice bound, no warm start).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.quality import medium
from scheduler.model.inventory import Host, Inventory, InventoryTenant, InventoryZone, Workload
from scheduler.model.inventory_file import inventory_to_dict
from scheduler.planning.arrays import Arrays, to_arrays
from scheduler.planning.milp import build_milp
from scheduler.planning.rebalance import rebalance
from scheduler.planning.symmetry import split
from tests.scheduler.plan_checker import check_plan
from tests.scheduler.test_bound_milp import best_reachable

FLAVOURS = ({"cpu": 2.0, "memory_gib": 8.0}, {"cpu": 4.0, "memory_gib": 8.0}, {"cpu": 1.0, "memory_gib": 8.0})


@st.composite
def clones(draw: st.DrawFn, most: int = 6) -> Inventory:
    """A tiny inventory of few VM sizes and tenants, so many workloads are interchangeable."""
    zones = draw(st.integers(2, 3))
    hosts = [
        Host(f"h{i}", f"z{i % zones}", {"cpu": draw(st.sampled_from([8.0, 12.0])), "memory_gib": 32.0})
        for i in range(draw(st.integers(zones, zones + 1)))
    ]
    load = {h.name: np.zeros(2) for h in hosts}
    workloads = []
    for i in range(draw(st.integers(2, most))):
        flavour = FLAVOURS[draw(st.integers(0, len(FLAVOURS) - 1))]
        host = hosts[draw(st.integers(0, len(hosts) - 1))]
        need = np.array([flavour["cpu"], flavour["memory_gib"]])
        if np.any(load[host.name] + need > [host.capacity["cpu"], host.capacity["memory_gib"]]):
            continue
        load[host.name] += need
        workloads.append(
            Workload(
                f"vm-{i}",
                draw(st.sampled_from(["a", "b"])),
                host.name,
                flavour,
                group=draw(st.sampled_from([None, None, None, "g"])),
                movable=draw(st.booleans()) or i % 2 == 0,
            )
        )
    quota = {"z0": {"cpu": draw(st.sampled_from([4.0, 8.0, 100.0]))}}
    return Inventory(
        tuple(
            InventoryZone(f"z{z}", None, tuple(h for h in hosts if h.zone == f"z{z}")) for z in range(zones)
        ),
        (InventoryTenant("a", quota), InventoryTenant("b")),
        tuple(workloads),
    )


def _optimum(a: Arrays, level: str, merge: bool, max_moves: int | None) -> tuple[float, float]:
    """(least t, then least phase-2 cost) of the MILP, both solved to optimality (with tolerances tight
    enough that t is the spread itself, not 1e-6 below it)."""
    milp = build_milp(a, max_moves, level=level, merge=merge)
    cost = np.zeros(len(milp.model.cost))
    cost[milp.t] = 1.0
    first = milp.model.solve(cost, 60.0, tolerance=1e-9)
    if first.getInfo().primal_solution_status != 2:
        return np.inf, np.inf
    t = first.getInfo().objective_function_value
    milp.model.row(-np.inf, t + 1e-7, [milp.t], [1.0])
    second = milp.model.solve(milp.moves_cost, 60.0, tolerance=1e-9)
    return t, second.getInfo().objective_function_value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clones(), st.sampled_from([None, 1, 2]))
def test_counting_interchangeable_workloads_changes_no_optimum(inv: Inventory, max_moves: int | None) -> None:
    a = to_arrays(inv)
    for level in ("zone", "host"):
        t_counted, moves_counted = _optimum(a, level, True, max_moves)
        t_listed, moves_listed = _optimum(a, level, False, max_moves)
        assert np.isinf(t_counted) == np.isinf(t_listed)
        if np.isfinite(t_listed):
            assert t_counted == pytest.approx(t_listed, abs=1e-6)
            assert moves_counted == pytest.approx(moves_listed, abs=1e-6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clones(most=5))
def test_the_lattice_bound_and_an_optimal_exact_plan_agree_with_brute_force(inv: Inventory) -> None:
    data = inventory_to_dict(inv)
    best = best_reachable(data, None)
    a = to_arrays(inv)
    assert build_milp(a, None, level="zone", lattice=True).lattice_bound(60.0, 2_000)[0] <= best + 1e-9
    plan = rebalance(inv, strategy="exact", time_limit=60.0)
    assert check_plan(data, plan.to_json()) == []
    assert plan.lower_bound <= best + 1e-9
    assert best <= plan.after.imbalance + 1e-9
    if plan.optimal:
        assert abs(plan.after.imbalance - best) < 1e-6


def test_exact_proves_the_optimum_of_medium_inventories() -> None:
    # random medium inventories (bench.quality) whose lattice bound is reached by a safe plan
    for seed in (2, 14, 22):
        inv = medium(seed)
        plan = rebalance(inv, strategy="exact", time_limit=60.0)
        assert plan.optimal, plan.reason
        assert check_plan(inventory_to_dict(inv), plan.to_json()) == []
        assert plan.after.imbalance - plan.lower_bound < 1e-6
        assert plan.after.imbalance < plan.before.imbalance


def test_exact_stops_on_node_limits_and_repeats_itself() -> None:
    inv = medium(23)  # phase 2 (fewest moves) stops at its node limit here
    first = rebalance(inv, strategy="exact", time_limit=120.0)
    second = rebalance(inv, strategy="exact", time_limit=120.0)
    assert first.moves == second.moves
    assert first.reason is None  # no time limit fired
    assert first.optimal


def test_an_optimal_plan_matches_an_independent_milp() -> None:
    # one binary per workload, no lattice bound, no warm start: HiGHS alone proves the host-level
    # optimum, which bounds every safe plan from below; an optimal plan must sit on it
    for seed in (0, 2, 4, 6):
        inv = medium(seed)
        small = Inventory(inv.zones, inv.tenants, inv.workloads[:15])
        plan = rebalance(small, strategy="exact", time_limit=60.0)
        assert plan.optimal, plan.reason
        t, _ = _optimum(to_arrays(small), "host", False, None)
        assert abs(plan.after.imbalance - t) < 1e-6


def test_a_class_splits_into_its_counts_fullest_hosts_leaving_first() -> None:
    weight = np.array([0.2, 0.9, 0.5, 0.9])
    out = split((0, 1, 2, 3), {7: 2, 4: 1, 5: 1}, 7, weight)
    assert sorted(out) == [0, 1, 2, 3]
    assert sorted(out.values()) == [4, 5, 7, 7]
    assert out[1] != 7 and out[3] != 7  # the two on the fullest hosts leave
    assert out[0] == 7 and out[2] == 7
