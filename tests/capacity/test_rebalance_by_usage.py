"""``govcloud rebalance --by usage``: zones balanced on measured load, the rules kept on requests."""

from __future__ import annotations

import json

import pytest

from scheduler.model.imbalance import imbalance, zone_utilization
from scheduler.model.inventory_file import inventory_to_dict, load_inventory
from tests.capacity.conftest import History
from tests.monitoring.conftest import govcloud
from tests.scheduler.plan_checker import check_plan

pytestmark = pytest.mark.prometheus

USAGE = ("--rate-window", "15m")  # the synthetic history is sampled every 5 minutes


def test_requests_alone_move_nothing(history: History) -> None:
    done = govcloud("rebalance", "--inventory", str(history.inventory), "--json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["moves"] == [] and plan["status"] == "nothing"
    assert plan["basis"] == "requests"


def test_by_usage_moves_hot_workloads_out_of_the_hot_zone(history: History) -> None:
    done = govcloud(
        "rebalance", "--inventory", str(history.inventory), "--by", "usage",
        "--prometheus", history.url, *USAGE, "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["basis"] == "usage" and plan["status"] == "planned"
    before, after = plan["before"], plan["after"]
    assert before["zones"]["az1"]["cpu"] > 0.9 and before["zones"]["az3"]["cpu"] < 0.1
    assert after["imbalance"] < before["imbalance"] / 3
    leaving = {m["workload"] for m in plan["moves"] if m["from_zone"] == "az1"}
    assert leaving and all(w.split("/")[0] in {"health", "police"} for w in leaving)

    # every rule holds on requests: the project's independent checker replays the plan (its figures
    # of before/after and "never raises the imbalance" are about requests, which a usage plan does not balance)
    inv = load_inventory(history.inventory)
    problems = check_plan(inventory_to_dict(inv), plan)
    assert [p for p in problems if "does not match" not in p and "raises the imbalance" not in p] == []
    # and requests, balanced before, stay within capacity (the planner never promised to keep them even)
    placed = inv.with_placement({m["workload"]: m["to_host"] for m in plan["moves"]})
    assert imbalance(zone_utilization(inv)) == 0.0
    assert all(v <= 1.0 for row in zone_utilization(placed).values() for v in row.values())


def test_by_usage_needs_prometheus(history: History) -> None:
    done = govcloud("rebalance", "--inventory", str(history.inventory), "--by", "usage")
    assert done.returncode == 2
    assert "--prometheus" in done.stderr


def test_an_unreachable_prometheus_is_bad_input(history: History) -> None:
    from tests.monitoring.conftest import free_port

    done = govcloud(
        "rebalance", "--inventory", str(history.inventory), "--by", "usage",
        "--prometheus", f"http://127.0.0.1:{free_port()}",
    )  # fmt: skip
    assert done.returncode == 2
    assert "cannot query Prometheus" in done.stderr and "Traceback" not in done.stderr
