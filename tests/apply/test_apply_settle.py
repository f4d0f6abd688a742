"""An intent without its outcome (the applier died mid-move) is settled by the zone the workload is in
now: the plan balances zones, and a recreated workload's host within the zone is the scheduler's."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.apply.applier import apply_plan
from scheduler.apply.journal import DONE, FAILED, Journal
from scheduler.model.move import Move
from scheduler.model.plan import Plan, Snapshot
from scheduler.model.safety import group_zone_counts
from tests.apply.inmemory_cloud import Cloud, two_zones


class RecreatingCloud(Cloud):
    """A cloud whose workloads, once gone from the inventory, are found elsewhere by ``locate``."""

    def __init__(self) -> None:
        super().__init__(two_zones())
        self.replacements: dict[str, str] = {}

    def locate(self, move: Move, since: float) -> str | None:
        return self.replacements.get(move.workload)


def interrupted(path: Path, cloud: Cloud, move: Move) -> Plan:
    """A journal whose run wrote the intent of ``move`` and died."""
    inv = cloud.load()
    plan = Plan((move,), Snapshot.of(inv), Snapshot.of(inv.with_placement({move.workload: move.to_host})))
    with Journal(path) as journal:
        run = journal.start("r1", plan.to_json(), group_zone_counts(inv))
        journal.intent(run.run, move)
    return plan


MOVE = Move("w0", "health", "a1", "b1", "a", "b")


@pytest.mark.parametrize(
    ("now_on", "status", "migrations", "reason"),
    [
        ("b1", DONE, 0, "found on b1 in the planned zone b"),
        ("b2", DONE, 0, "found on b2 in the planned zone b"),  # another host of the planned zone
        ("a2", FAILED, 0, "found on a2 in zone a, not in b"),
        ("a1", DONE, 1, None),  # never moved: retried, and done by this run
    ],
)
def test_open_intent_settled_by_zone(
    tmp_path: Path, now_on: str, status: str, migrations: int, reason: str | None
) -> None:
    cloud = Cloud(two_zones())
    path = tmp_path / "j.jsonl"
    plan = interrupted(path, cloud, MOVE)
    cloud.place("w0", now_on)
    report = apply_plan(plan, cloud, cloud, journal=path, dry_run=False)
    (step,) = report.steps
    assert (step.status, cloud.migrations["w0"]) == (status, migrations)
    if reason is not None:
        assert step.reason is not None and step.reason.startswith(reason)


@pytest.mark.parametrize(
    ("replacement", "status"), [("b2", DONE), ("a1", FAILED), ("a2", FAILED), (None, "unknown")]
)
def test_recreated_workload_settled_by_the_zone_of_its_replacement(
    tmp_path: Path, replacement: str | None, status: str
) -> None:
    cloud = RecreatingCloud()
    path = tmp_path / "j.jsonl"
    plan = interrupted(path, cloud, MOVE)
    del cloud.workloads["w0"]  # evicted: its replacement has another name
    if replacement is not None:
        cloud.replacements["w0"] = replacement
    report = apply_plan(plan, cloud, cloud, journal=path, dry_run=False)
    assert [s.status for s in report.steps] == [status]
    assert cloud.migrations["w0"] == 0
