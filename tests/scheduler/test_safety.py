"""The safety gate the planners and the applier share: each rule, one move at a time."""

from __future__ import annotations

import pytest

from scheduler.model.inventory_file import parse_inventory
from scheduler.model.move import Move
from scheduler.model.safety import group_zone_counts, move_violations, plan_violations

INV = parse_inventory(
    {
        "zones": [
            {
                "name": "a",
                "hosts": [{"name": "a1", "capacity": {"cpu": 10}}, {"name": "a2", "capacity": {"cpu": 3}}],
            },
            {
                "name": "b",
                "hosts": [
                    {"name": "b1", "capacity": {"cpu": 10}},
                    {"name": "b2", "capacity": {"cpu": 10}, "schedulable": False},
                ],
            },
            {"name": "c", "hosts": [{"name": "c1", "capacity": {"cpu": 2}}]},
        ],
        "tenants": [{"name": "t", "quota": {"b": {"cpu": 3}}}],
        "workloads": [
            {"name": "big", "tenant": "t", "host": "a1", "requests": {"cpu": 4}},
            {"name": "pinned", "host": "a1", "requests": {"cpu": 1}, "movable": False},
            {"name": "core", "host": "a1", "requests": {"cpu": 1}, "allowed_zones": ["a"]},
            {"name": "r0", "host": "a1", "requests": {"cpu": 1}, "group": "g"},
            {"name": "r1", "host": "b1", "requests": {"cpu": 1}, "group": "g"},
            {"name": "stuffed", "host": "c1", "requests": {"cpu": 3}},
            {"name": "small", "host": "a1", "requests": {"cpu": 1}},
        ],
    },
    "safety",
)


def move(workload: str, to_host: str) -> Move:
    w = INV.workload(workload)
    return Move(workload, w.tenant, w.host, to_host, INV.zone_of(w.host), INV.zone_of(to_host))


CASES = [
    ("safe", move("small", "b1"), None),
    ("rule 1: host capacity", move("big", "a2"), "would exceed its cpu capacity"),
    ("rule 1: already over capacity", move("small", "c1"), "already over capacity"),
    ("rule 2: quota", move("big", "b1"), "tenant t would exceed its cpu quota in b"),
    ("rule 3: pinned", move("pinned", "b1"), "is pinned"),
    ("rule 3: residency", move("core", "b1"), "may not run in b"),
    ("rule 3: cordoned", move("small", "b2"), "not schedulable"),
    ("rule 4: same host", move("r0", "b1"), "already runs a replica of group g"),
    ("rule 4: fewer zones", move("r1", "a2"), "would shrink from 2 to 1 zones"),
    # a group's only replica in a zone moving to another host of that zone keeps the group's zones
    ("rule 4: inside one zone", move("r0", "a2"), None),
    ("wrong origin", Move("small", None, "b1", "a2", "b", "a"), "runs on a1"),
]


@pytest.mark.parametrize(("name", "the_move", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_rule(name: str, the_move: Move, expected: str | None) -> None:
    found = move_violations(INV, the_move)
    if expected is None:
        assert found == []
    else:
        assert any(expected in problem for problem in found), found


def test_a_workload_moves_once_and_limits_hold() -> None:
    there = move("small", "b1")
    back = Move("small", None, "b1", "a2", "b", "a")
    assert plan_violations(INV, [there]) == []
    assert any("second time" in p for p in plan_violations(INV, [there, back]))
    assert any("more than the limit" in p for p in plan_violations(INV, [there], max_moves=0))


def test_baseline_groups_hold_the_starting_spread() -> None:
    baseline = group_zone_counts(INV)
    assert baseline == {"g": 2}
    moved = INV.with_placement({"r0": "c1"})
    # from c1 back to a2 keeps 2 zones now, but a baseline of 3 would forbid it
    step = Move("r0", None, "c1", "a2", "c", "a")
    assert move_violations(moved, step, baseline_groups=baseline) == []
    assert move_violations(moved, step, baseline_groups={"g": 3})
