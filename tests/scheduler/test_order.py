"""The safe orderer of target placements (goal 3 of issue 13): multi-hop orders under tight capacity.

Plans are built from the orderer's moves and checked by the independent ``plan_checker``.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.model.inventory import Host, Inventory, InventoryZone, Workload
from scheduler.model.inventory_file import inventory_to_dict
from scheduler.model.synthetic import random_inventory
from scheduler.planning.arrays import Arrays, to_arrays
from scheduler.planning.bound_mip import milp_bound
from scheduler.planning.order import order_moves
from scheduler.planning.outcome import finish, imbalance_after, snapshot
from scheduler.planning.placement import PlacementState
from scheduler.planning.rebalance import rebalance
from tests.scheduler.plan_checker import check_plan
from tests.scheduler.test_bound_milp import best_reachable


def _inventory(cap: float, hosts: dict[str, list[tuple[str, float]]]) -> Inventory:
    """One host per zone (``z-<host>``); workloads as (name, cpu) on each host."""
    zones = tuple(InventoryZone(f"z-{h}", None, (Host(h, f"z-{h}", {"cpu": cap}),)) for h in hosts)
    workloads = tuple(
        Workload(name, None, h, {"cpu": cpu}) for h, placed in hosts.items() for name, cpu in placed
    )
    return Inventory(zones=zones, workloads=workloads)


def _greedy(a: Arrays, zone: np.ndarray) -> list[int]:
    """The orderer before goal 3: each pending move made, in index order, as soon as it fits."""
    state = PlacementState(a)
    pending = [int(w) for w in np.flatnonzero(zone != a.host_zone[a.host_of])]
    progress = True
    while pending and progress:
        progress = False
        for w in list(pending):
            h = state.pick_host(w, int(zone[w]))
            if h >= 0:
                state.apply(w, h)
                pending.remove(w)
                progress = True
    return pending


def _plan(inv: Inventory, a: Arrays, moves: list[tuple[int, int]]) -> dict:
    plan = finish(
        inv,
        a,
        moves,
        before=snapshot(a, a.host_of),
        bound=0.0,
        max_moves=None,
        method="exact",
        started=time.monotonic(),
        may_raise=True,
    )
    assert len(plan.moves) == len(moves), plan.reason  # not refused by the safety gate
    return plan.to_json()


def test_a_cycle_the_old_greedy_order_is_stuck_in_is_ordered() -> None:
    # d holds c (3) and 3 more; e and f are full. Target: a and b into d, c into f (every zone at 10/12).
    # Greedy takes a first, after which b no longer fits in d and c not in f: stuck. The safe order is
    # b (frees f), c (frees d), a.
    inv = _inventory(
        12.0,
        {"d": [("c", 3.0), ("s1", 3.0)], "e": [("a", 2.0), ("s2", 10.0)], "f": [("b", 5.0), ("s3", 7.0)]},
    )
    a = to_arrays(inv)
    index = {name: i for i, name in enumerate(a.workloads)}
    hosts = {name: i for i, name in enumerate(a.hosts)}
    zone = a.host_zone[a.host_of].copy()
    zone[index["a"]] = a.host_zone[hosts["d"]]
    zone[index["b"]] = a.host_zone[hosts["d"]]
    zone[index["c"]] = a.host_zone[hosts["f"]]
    target = a.host_of.copy()
    target[[index["a"], index["b"], index["c"]]] = [hosts["d"], hosts["d"], hosts["f"]]
    assert sorted(a.workloads[w] for w in _greedy(a, zone)) == ["b", "c"]

    moves, stuck = order_moves(a, zone, np.full(len(a.workloads), -1))

    assert stuck == []
    assert [a.workloads[w] for w, _ in moves] == ["b", "c", "a"]
    assert imbalance_after(a, moves) == snapshot(a, target).imbalance == 0.0
    plan = _plan(inv, a, moves)
    assert check_plan(inventory_to_dict(inv), plan) == []


def test_a_replica_swap_is_cut_and_re_solved_to_a_safe_plan() -> None:
    # Two replicas of one group, each alone in its zone, trading zones: no order can do that (the
    # first to move would leave its zone without the group). The orderer re-solves without it.
    zones = tuple(InventoryZone(f"z{i}", None, (Host(f"h{i}", f"z{i}", {"cpu": 10.0}),)) for i in range(3))
    workloads = (
        Workload("r0", None, "h0", {"cpu": 6.0}, group="g"),
        Workload("r1", None, "h1", {"cpu": 2.0}, group="g"),
        Workload("x", None, "h2", {"cpu": 2.0}),
        Workload("y", None, "h0", {"cpu": 1.0}),
    )
    inv = Inventory(zones=zones, workloads=workloads)
    a = to_arrays(inv)
    zone = a.host_zone[a.host_of].copy()
    zone[0], zone[1] = 1, 0  # the swap
    moves, stuck = order_moves(a, zone, np.full(len(a.workloads), -1))
    assert stuck == []
    made = {(a.workloads[w], a.zones[a.host_zone[h]]) for w, h in moves}
    assert not {("r0", "z1"), ("r1", "z0")} <= made
    assert check_plan(inventory_to_dict(inv), _plan(inv, a, moves)) == []
    assert imbalance_after(a, moves) < snapshot(a, a.host_of).imbalance


inventories = st.builds(
    random_inventory,
    st.integers(0, 10_000),
    workloads=st.integers(4, 24),
    hosts=st.integers(2, 6),
    zones=st.integers(2, 3),
    fill=st.floats(0.5, 0.95),
    skew=st.floats(1.0, 4.0),
    pinned=st.sampled_from([0.0, 0.2]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inventories, st.integers(0, 2**31 - 1))
def test_every_order_is_safe_step_by_step_and_moves_a_workload_once(inv: Inventory, seed: int) -> None:
    a = to_arrays(inv)
    rng = np.random.default_rng(seed)
    zone = np.where(
        a.movable & (rng.random(len(a.workloads)) < 0.5),
        rng.integers(0, len(a.zones), len(a.workloads)),
        a.host_zone[a.host_of],
    )
    moves, stuck = order_moves(a, zone, np.full(len(a.workloads), -1), deadline=time.monotonic() + 1.0)
    assert len({w for w, _ in moves}) == len(moves)
    assert len(moves) <= int(np.sum(zone != a.host_zone[a.host_of]))  # the default move budget
    problems = check_plan(inventory_to_dict(inv), _plan(inv, a, moves))
    assert [p for p in problems if "raises the imbalance" not in p] == []
    assert set(stuck) <= set(range(len(a.workloads)))


def test_a_workload_not_moving_hops_inside_its_zone_to_make_room() -> None:
    # s is at 0.9, t at 0.55 (11 of 20); t has 9 free over two hosts but at most 5 on one; v (6) is to arrive. k (2, the smallest
    # that makes room) hops from t1 to t2 (its one move), then v fits on t1.
    zones = (
        InventoryZone("s", None, (Host("s1", "s", {"cpu": 20.0}),)),
        InventoryZone("t", None, (Host("t1", "t", {"cpu": 10.0}), Host("t2", "t", {"cpu": 10.0}))),
    )
    workloads = (
        Workload("v", None, "s1", {"cpu": 6.0}),
        Workload("p", None, "s1", {"cpu": 12.0}),
        Workload("u", None, "t1", {"cpu": 4.0}),
        Workload("k", None, "t1", {"cpu": 2.0}),
        Workload("m", None, "t2", {"cpu": 5.0}),
    )
    inv = Inventory(zones=zones, workloads=workloads)
    a = to_arrays(inv)
    zone = a.host_zone[a.host_of].copy()
    zone[0] = 1
    assert _greedy(a, zone) == [0]
    moves, stuck = order_moves(a, zone, np.full(5, -1), max_moves=2)
    assert stuck == []
    assert [(a.workloads[w], a.hosts[h]) for w, h in moves] == [("k", "t2"), ("v", "t1")]
    assert check_plan(inventory_to_dict(inv), _plan(inv, a, moves)) == []


def test_a_blocked_workload_is_parked_in_a_third_zone_when_the_balance_allows() -> None:
    # v (3) is to go a -> b and x (3) b -> a, each waiting for the other (1 free on a and on b). Sent
    # to c instead (its final place), v frees a for x, and the imbalance is that of the target (0.3).
    inv = _inventory(10.0, {"a": [("v", 3.0), ("p", 6.0)], "b": [("x", 3.0), ("q", 6.0)], "c": [("r", 6.0)]})
    a = to_arrays(inv)
    zone = a.host_zone[a.host_of].copy()
    zone[0], zone[2] = 1, 0  # v to b, x to a
    assert _greedy(a, zone) == [0, 2]
    moves, stuck = order_moves(a, zone, np.full(len(a.workloads), -1))
    assert stuck == []
    assert [(a.workloads[w], a.hosts[h]) for w, h in moves] == [("v", "c"), ("x", "a")]
    assert imbalance_after(a, moves) == pytest.approx(0.3)
    assert check_plan(inventory_to_dict(inv), _plan(inv, a, moves)) == []


def _replicas(loads: dict[str, list[tuple[str, float, bool]]]) -> Inventory:
    """One host (cpu 10) per zone ``z-<host>``; workloads (name, cpu, pinned); ``r*`` are group g."""
    zones = tuple(InventoryZone(f"z-{h}", None, (Host(h, f"z-{h}", {"cpu": 10.0}),)) for h in loads)
    workloads = tuple(
        Workload(name, None, h, {"cpu": cpu}, group="g" if name.startswith("r") else None, movable=not pinned)
        for h, placed in loads.items()
        for name, cpu, pinned in placed
    )
    return Inventory(zones=zones, workloads=workloads)


def test_the_milp_knows_lone_replicas_cannot_trade_zones() -> None:
    # Each zone holds one replica of g and a pinned workload. Trading the replicas would even the zones
    # out (0.5 -> 0.3), but no order can: the first to move would leave its zone without the group
    # while its target still holds one. So nothing can move at all, and the MILP's bound now says so.
    inv = _replicas(
        {"h0": [("r0", 5.0, False), ("p0", 3.0, True)], "h1": [("r1", 1.0, False), ("p1", 2.0, True)]}
    )
    best = best_reachable(inventory_to_dict(inv), None)
    assert best == pytest.approx(0.5)
    a = to_arrays(inv)
    for level in ("zone", "host"):
        assert milp_bound(a, None, [], level=level) == pytest.approx(best, abs=1e-6)
    plan = rebalance(inv, strategy="exact", time_limit=60)
    assert plan.moves == () and plan.optimal


def test_a_replica_may_still_follow_another_through_a_free_zone() -> None:
    # The rows forbid cycles only: r0 leaves for the zone without a replica, then r1 takes r0's
    # place. That chain evens the zones out exactly, and the exact strategy proves and orders it.
    inv = _replicas(
        {
            "h0": [("r0", 4.0, False), ("p0", 4.0, True)],
            "h1": [("r1", 1.0, False), ("p1", 5.0, True)],
            "h2": [("p2", 1.0, True)],
        }
    )
    a = to_arrays(inv)
    assert milp_bound(a, None, [], level="zone") == pytest.approx(0.0, abs=1e-6)
    plan = rebalance(inv, strategy="exact", time_limit=60)
    assert plan.optimal and plan.after.imbalance == pytest.approx(0.0, abs=1e-9)
    assert [(m.workload, m.to_zone) for m in plan.moves] == [("r0", "z-h2"), ("r1", "z-h0")]
    assert check_plan(inventory_to_dict(inv), plan.to_json()) == []
