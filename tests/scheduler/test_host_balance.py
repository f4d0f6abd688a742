"""Goal 5 of issue #13: after zone balance, hosts inside each zone are evened out, never at the cost
of the zone imbalance, with a bounded number of extra moves, through the same safety gate."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.model.inventory import Inventory
from scheduler.model.inventory_file import inventory_to_dict
from scheduler.model.plan import Plan
from scheduler.model.synthetic import random_inventory
from scheduler.planning import heuristic, hosts
from scheduler.planning.arrays import to_arrays
from scheduler.planning.rebalance import rebalance
from tests.scheduler.plan_checker import check_plan


def _zone_host_spreads(inv: Inventory, plan: Plan) -> dict[str, float]:
    """Per zone, max - min host utilization (of each host's hottest resource) after ``plan``."""
    placement = {w.name: w.host for w in inv.workloads}
    for m in plan.moves:
        placement[m.workload] = m.to_host
    load: dict[str, dict[str, float]] = {}
    for w in inv.workloads:
        host = load.setdefault(placement[w.name], {})
        for r, v in w.requests.items():
            host[r] = host.get(r, 0.0) + v
    spreads = {}
    for zone in inv.zones:
        utils = [
            max((load.get(h.name, {}).get(r, 0.0) / c for r, c in h.capacity.items() if c > 0), default=0.0)
            for h in zone.hosts
        ]
        spreads[zone.name] = max(utils) - min(utils) if utils else 0.0
    return spreads


def _check(inv: Inventory, max_moves: int | None, monkeypatch: pytest.MonkeyPatch) -> tuple[Plan, Plan]:
    """Plan with and without host balancing; assert what host balancing promises. Returns both."""
    plan = rebalance(inv, max_moves=max_moves, time_limit=600)
    assert check_plan(inventory_to_dict(inv), plan.to_json(), max_moves) == []
    with monkeypatch.context() as m:
        m.setattr(heuristic, "with_host_moves", lambda _a, moves, _m: moves)
        zones_only = rebalance(inv, max_moves=max_moves, time_limit=600)
    # the zone moves come first and are the same; the rest stay inside their zones (rule 5 is in
    # the checker: no workload moves twice, so none of the zone phase's workloads moves again)
    assert plan.moves[: len(zones_only.moves)] == zones_only.moves
    extra = plan.moves[len(zones_only.moves) :]
    assert all(m.from_zone == m.to_zone for m in extra)
    limit = hosts.extra_move_limit(to_arrays(inv), len(zones_only.moves), max_moves)
    assert len(extra) <= limit
    if max_moves is not None:
        assert len(plan.moves) <= max_moves
    # intra-zone moves never change a zone's load, and no zone's host spread grows
    assert abs(plan.after.imbalance - zones_only.after.imbalance) < 1e-12
    after, before = _zone_host_spreads(inv, plan), _zone_host_spreads(inv, zones_only)
    assert all(after[z] <= before[z] + 1e-9 for z in before)
    return plan, zones_only


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("max_moves", [None, 6, 25])
def test_host_balance_keeps_zones_and_never_widens_hosts(
    seed: int, max_moves: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv = random_inventory(seed, workloads=60, hosts=12, zones=3, fill=0.6, skew=2.5)
    _check(inv, max_moves, monkeypatch)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    workloads=st.integers(10, 120),
    hosts_per_zone=st.integers(1, 6),
    zones=st.integers(1, 4),
    fill=st.floats(0.2, 0.85),
    skew=st.floats(1.0, 3.0),
    max_moves=st.one_of(st.none(), st.integers(0, 30)),
)
def test_host_balance_properties_on_drawn_inventories(
    seed: int,
    workloads: int,
    hosts_per_zone: int,
    zones: int,
    fill: float,
    skew: float,
    max_moves: int | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inv = random_inventory(
        seed, workloads=workloads, hosts=hosts_per_zone * zones, zones=zones, fill=fill, skew=skew
    )
    _check(inv, max_moves, monkeypatch)


def test_host_balance_above_the_old_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """3,500 workloads: above the 3,000 movable workloads host balancing used to stop at."""
    inv = random_inventory(7, workloads=3500, hosts=700, zones=3, fill=0.6, skew=2.5)
    assert int(to_arrays(inv).movable.sum()) > 3000
    plan, zones_only = _check(inv, None, monkeypatch)
    assert len(plan.moves) > len(zones_only.moves)
    # the hottest zone's spread is narrower, not just no wider
    after, before = _zone_host_spreads(inv, plan), _zone_host_spreads(inv, zones_only)
    assert max(after.values()) < max(before.values())
    again = rebalance(inv, time_limit=600)
    assert again.moves == plan.moves


def test_work_budget_cuts_the_search_the_same_way_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny work budget stops host balancing early, deterministically, and the plan stays safe."""
    inv = random_inventory(3, workloads=600, hosts=120, zones=3, fill=0.6, skew=2.5)
    full = rebalance(inv, time_limit=600)
    monkeypatch.setattr(hosts, "WORK_FLOOR", 0)
    monkeypatch.setattr(hosts, "WORK_PER_WORKLOAD", 1)
    cut, cut_again = rebalance(inv, time_limit=600), rebalance(inv, time_limit=600)
    assert cut.moves == cut_again.moves
    assert len(cut.moves) < len(full.moves)
    assert check_plan(inventory_to_dict(inv), cut.to_json()) == []


@pytest.mark.parametrize("seed", range(4))
def test_without_host_moves_the_plan_is_the_zone_phase_alone(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kubernetes sources plan with hosts=False: the kube-scheduler picks the node in a zone, so a
    # move between two hosts of one zone would only be an eviction
    inv = random_inventory(seed, workloads=60, hosts=12, zones=3, fill=0.6, skew=2.5)
    plan, zones_only = _check(inv, None, monkeypatch)
    assert len(plan.moves) > len(zones_only.moves)  # these inventories do get host moves by default
    no_hosts = rebalance(inv, time_limit=600, hosts=False)
    assert no_hosts.moves == zones_only.moves
    assert all(m.from_zone != m.to_zone for m in no_hosts.moves)


@pytest.mark.parametrize("seed", range(3))
def test_the_exact_strategy_balances_hosts_after_its_zone_plan(seed: int) -> None:
    """--exact ends as the default does: its zone plan, then intra-zone moves that even out hosts."""
    inv = random_inventory(seed, workloads=60, hosts=12, zones=3, fill=0.6, skew=2.5)
    plan = rebalance(inv, strategy="exact", time_limit=600)
    zones_only = rebalance(inv, strategy="exact", time_limit=600, hosts=False)
    assert check_plan(inventory_to_dict(inv), plan.to_json()) == []
    assert zones_only.moves and all(m.from_zone != m.to_zone for m in zones_only.moves)
    assert plan.moves[: len(zones_only.moves)] == zones_only.moves
    extra = plan.moves[len(zones_only.moves) :]
    assert extra and all(m.from_zone == m.to_zone for m in extra)
    assert abs(plan.after.imbalance - zones_only.after.imbalance) < 1e-12
    assert plan.optimal == zones_only.optimal
    after, before = _zone_host_spreads(inv, plan), _zone_host_spreads(inv, zones_only)
    assert all(after[z] <= before[z] + 1e-9 for z in before)
    assert max(after.values()) < max(before.values())
