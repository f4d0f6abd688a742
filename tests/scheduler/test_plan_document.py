"""The plan document: written and read by the same model, versioned, with refusal as a status."""

from __future__ import annotations

import json

import pytest

from scheduler.model.inventory_file import parse_inventory
from scheduler.model.plan import PLAN_VERSION, Plan, PlanStatus
from scheduler.model.synthetic import random_inventory
from scheduler.planning.rebalance import rebalance


@pytest.mark.parametrize("seed", range(4))
def test_a_plan_reads_back_as_written(seed: int) -> None:
    plan = rebalance(random_inventory(seed, workloads=40, hosts=8, zones=3))
    document = json.loads(json.dumps(plan.to_json()))
    assert document["version"] == PLAN_VERSION
    again = Plan.from_json(document)
    assert again.moves == plan.moves
    assert again.status is plan.status
    assert again.to_json() == document


def test_status_says_what_the_plan_is() -> None:
    balanced = parse_inventory(
        {
            "zones": [
                {"name": "a", "hosts": [{"name": "a1", "capacity": {"cpu": 10}}]},
                {"name": "b", "hosts": [{"name": "b1", "capacity": {"cpu": 10}}]},
            ],
            "workloads": [
                {"name": "w0", "host": "a1", "requests": {"cpu": 2}},
                {"name": "w1", "host": "b1", "requests": {"cpu": 2}},
            ],
        }
    )
    nothing = rebalance(balanced)
    assert nothing.status is PlanStatus.NOTHING and nothing.to_json()["status"] == "nothing"
    moved = rebalance(random_inventory(1, workloads=40, hosts=8, zones=3))
    assert moved.moves and moved.status is PlanStatus.PLANNED


def test_a_plan_of_a_newer_version_is_refused() -> None:
    document = rebalance(random_inventory(2, workloads=20, hosts=6, zones=2)).to_json()
    with pytest.raises(ValueError, match="newer than this govcloud reads"):
        Plan.from_json({**document, "version": PLAN_VERSION + 1})


def test_a_plan_without_version_or_status_is_read_as_before() -> None:
    document = rebalance(random_inventory(3, workloads=20, hosts=6, zones=2)).to_json()
    old = {k: v for k, v in document.items() if k not in ("version", "status")}
    plan = Plan.from_json(old)
    assert plan.status is (PlanStatus.PLANNED if plan.moves else PlanStatus.NOTHING)
