"""Goal 3 of issue #13: after zone balance, hosts inside each zone are evened out, never at the cost
of the zone imbalance, with a bounded number of extra moves, through the same safety gate."""

from __future__ import annotations

import pytest

from scheduler.model.inventory_file import inventory_to_dict
from scheduler.model.synthetic import random_inventory
from scheduler.planning import heuristic
from scheduler.planning.rebalance import rebalance
from tests.scheduler.plan_checker import check_plan


def _zone_host_spread(inv, plan) -> float:
    """The largest (max - min) host utilization, over resources, inside any one zone after ``plan``."""
    placement = {w.name: w.host for w in inv.workloads}
    for m in plan.moves:
        placement[m.workload] = m.to_host
    worst = 0.0
    for zone in inv.zones:
        utils = []
        for h in zone.hosts:
            load: dict[str, float] = {}
            for w in inv.workloads:
                if placement[w.name] == h.name:
                    for r, v in w.requests.items():
                        load[r] = load.get(r, 0.0) + v
            utils.append(max((load.get(r, 0.0) / c for r, c in h.capacity.items() if c > 0), default=0.0))
        if len(utils) > 1:
            worst = max(worst, max(utils) - min(utils))
    return worst


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("max_moves", [None, 6])
def test_host_balance_keeps_zones_and_never_widens_hosts(
    seed: int, max_moves: int | None, monkeypatch
) -> None:
    inv = random_inventory(seed, workloads=60, hosts=12, zones=3, fill=0.6, skew=2.5)
    plan = rebalance(inv, max_moves=max_moves)
    assert check_plan(inventory_to_dict(inv), plan.to_json(), max_moves) == []
    monkeypatch.setattr(heuristic, "balance_hosts", lambda *_a, **_k: [])
    zones_only = rebalance(inv, max_moves=max_moves)
    # the zone moves come first and are the same; intra-zone moves never change a zone's load
    assert plan.moves[: len(zones_only.moves)] == zones_only.moves
    extra = plan.moves[len(zones_only.moves) :]
    assert all(m.from_zone == m.to_zone for m in extra)
    assert len(extra) <= len(zones_only.moves)
    assert abs(plan.after.imbalance - zones_only.after.imbalance) < 1e-12
    assert _zone_host_spread(inv, plan) <= _zone_host_spread(inv, zones_only) + 1e-9
