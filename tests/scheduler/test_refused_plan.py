"""finish(): a planner's moves that break a rule or raise the imbalance are refused, never returned."""

from __future__ import annotations

import time

from rich.console import Console

from govcloud.views.plan import render_drain
from scheduler.model.inventory_file import parse_inventory
from scheduler.model.plan import Plan
from scheduler.planning.arrays import to_arrays
from scheduler.planning.drain import DrainResult
from scheduler.planning.outcome import finish, snapshot

# a1 runs 9 of 10 CPUs, b1 runs 3 of 10.
INVENTORY = parse_inventory(
    {
        "zones": [
            {"name": "a", "hosts": [{"name": "a1", "capacity": {"cpu": 10}}]},
            {"name": "b", "hosts": [{"name": "b1", "capacity": {"cpu": 10}}]},
        ],
        "workloads": [
            {"name": "big", "host": "a1", "requests": {"cpu": 9}},
            {"name": "small", "host": "b1", "requests": {"cpu": 2}},
            {"name": "tiny", "host": "b1", "requests": {"cpu": 1}},
        ],
    }
)


def finished(moves: list[tuple[str, str]], *, may_raise: bool = False) -> Plan:
    arrays = to_arrays(INVENTORY)
    indexed = [(arrays.workloads.index(w), arrays.hosts.index(h)) for w, h in moves]
    return finish(
        INVENTORY,
        arrays,
        indexed,
        before=snapshot(arrays, arrays.host_of),
        bound=0.0,
        max_moves=None,
        method="test",
        started=time.monotonic(),
        may_raise=may_raise,
    )


def test_moves_that_overfill_a_host_are_refused() -> None:
    plan = finished([("big", "b1")])  # 9 + 3 > 10
    assert plan.refused
    assert plan.moves == ()
    assert plan.after == plan.before
    assert plan.reason is not None and plan.reason.startswith("refused an unsafe plan (planner defect): ")


def test_moves_that_raise_the_imbalance_are_refused_unless_allowed() -> None:
    worse = [("tiny", "a1")]  # fits (10 of 10) but a goes to 100%, b down to 20%
    plan = finished(worse)
    assert plan.refused and plan.moves == ()
    assert plan.reason == "refused a plan that would raise the imbalance (planner defect)"
    allowed = finished(worse, may_raise=True)
    assert not allowed.refused
    assert [m.workload for m in allowed.moves] == ["tiny"]
    assert allowed.after.imbalance > allowed.before.imbalance


def test_an_empty_plan_is_explained_not_refused() -> None:
    plan = finished([])
    assert not plan.refused and plan.moves == ()
    assert plan.reason is not None and plan.reason.startswith("no safe move lowers the imbalance")


def test_a_refused_drain_says_so_instead_of_blaming_missing_room() -> None:
    result = DrainResult("zone-a", None, to_move=3, refused="refused an unsafe plan (planner defect): x")
    assert not result.feasible
    assert result.to_json()["refused"] == "refused an unsafe plan (planner defect): x"
    console = Console(record=True, width=200)
    render_drain(console, result, "inv.yaml")
    text = console.export_text()
    assert "is not drained" in text and "planner defect" in text
    assert "nowhere to go" not in text
