"""The MILP bound is a proof: never above the best imbalance any safe plan reaches, found by brute force.

The brute force shares nothing with the planner: it tries every sequence of single moves, each
checked against the contract's rules by the independent checker, on inventories small enough to
enumerate every reachable placement.
"""

from __future__ import annotations

from collections import deque

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.quality import medium
from scheduler.model.inventory_file import inventory_to_dict
from scheduler.model.synthetic import random_inventory
from scheduler.planning.arrays import to_arrays
from scheduler.planning.bound import zone_lower_bound
from scheduler.planning.bound_mip import milp_bound
from scheduler.planning.rebalance import rebalance
from tests.scheduler.plan_checker import check_plan, imbalance, utilization


def best_reachable(data: dict, max_moves: int | None) -> float:
    """The least imbalance of any placement a safe sequence of at most ``max_moves`` moves reaches."""
    names = [w["name"] for w in data["workloads"]]
    hosts = [h["name"] for z in data["zones"] for h in z["hosts"]]
    zone_of = {h["name"]: z["name"] for z in data["zones"] for h in z["hosts"]}
    start = tuple(w["host"] for w in data["workloads"])
    limit = len(names) if max_moves is None else max_moves
    seen = {start}
    queue = deque([start])
    best = imbalance(utilization(data, dict(zip(names, start, strict=True))))
    while queue:
        state = queue.popleft()
        moved = sum(a != b for a, b in zip(state, start, strict=True))
        if moved >= limit:
            continue
        now = {**data, "workloads": [{**w, "host": h} for w, h in zip(data["workloads"], state, strict=True)]}
        for i, name in enumerate(names):
            if state[i] != start[i]:
                continue  # rule 5: moved once already
            for host in hosts:
                if host == state[i]:
                    continue
                nxt = (*state[:i], host, *state[i + 1 :])
                if nxt in seen:
                    continue
                move = {
                    "workload": name,
                    "tenant": data["workloads"][i].get("tenant"),
                    "from_host": state[i],
                    "to_host": host,
                    "from_zone": zone_of[state[i]],
                    "to_zone": zone_of[host],
                }
                after = utilization(data, dict(zip(names, nxt, strict=True)))
                plan = {
                    "before": {"imbalance": 0.0},
                    "moves": [move],
                    "after": {"imbalance": 0.0, "zones": after},
                }
                if any("rule" in p for p in check_plan(now, plan)):
                    continue
                seen.add(nxt)
                queue.append(nxt)
                best = min(best, imbalance(after))
    return best


tiny = st.builds(
    random_inventory,
    st.integers(0, 10_000),
    workloads=st.integers(3, 5),
    hosts=st.integers(2, 4),
    zones=st.integers(2, 3),
    fill=st.floats(0.3, 0.9),
    skew=st.floats(1.0, 4.0),
    pinned=st.sampled_from([0.0, 0.2]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny, st.one_of(st.none(), st.integers(0, 3)))
def test_the_milp_bound_never_exceeds_the_best_safe_plan(inv, max_moves) -> None:
    best = best_reachable(inventory_to_dict(inv), max_moves)
    arrays = to_arrays(inv)
    for level in ("host", "zone"):
        assert milp_bound(arrays, max_moves, [], level=level) <= best + 1e-9
    assert zone_lower_bound(arrays, max_moves) <= best + 1e-9
    plan = rebalance(inv, max_moves=max_moves)
    assert plan.lower_bound <= best + 1e-9
    assert best <= plan.after.imbalance + 1e-9  # the brute force misses no safe plan the planner finds


def test_a_plan_far_from_the_cheap_bound_gets_the_milp_bound() -> None:
    # medium seed 44: the cheap relaxations prove 0, the heuristic ends at 0.0875, which the host-level
    # MILP proves optimal at its root
    inv = medium(44)
    assert zone_lower_bound(to_arrays(inv)) < 0.01
    plan = rebalance(inv)
    assert plan.after.imbalance > 0.05
    assert plan.lower_bound > plan.after.imbalance - 0.005
    assert plan.lower_bound <= plan.after.imbalance
