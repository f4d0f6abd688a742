"""The loop counts what happens, keeps the last good metrics on a failed refresh and never raises."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from monitoring.collector import Exporter, build_exporter
from scheduler.apply.loop import ApplyOutcome, RebalanceLoop
from scheduler.apply.source import FileSource
from scheduler.model.inventory import Inventory
from scheduler.model.move import Move
from scheduler.model.plan import Plan, Snapshot


def _one_move(inv: Inventory, max_moves: int | None = None) -> Plan:
    move = Move("health/emr-0", "health", "a1", "b1", "zone-a", "zone-b")
    return Plan((move,), Snapshot.of(inv), Snapshot.of(inv.with_placement({move.workload: "b1"})))


def _value(exporter: Exporter, name: str, **labels: str) -> float | None:
    return exporter.registry.get_sample_value(name, labels)


@pytest.fixture
def inventory_file(tmp_path: Path, test_inventory: Path) -> Path:
    path = tmp_path / "inventory.yaml"
    shutil.copy(test_inventory, path)
    return path


def _loop(path: Path, planner=_one_move, apply=None, clock=lambda: 1000.0) -> tuple[RebalanceLoop, Exporter]:
    exporter = build_exporter("test")
    loop = RebalanceLoop(FileSource(path), planner, exporter.observer, apply=apply, clock=clock)
    return loop, exporter


def test_a_good_run_publishes_and_records_success(inventory_file: Path) -> None:
    loop, exporter = _loop(inventory_file)
    assert loop.run_once()
    assert _value(exporter, "govcloud_zone_utilization_ratio", zone="zone-a", resource="cpu") == 56 / 64
    assert _value(exporter, "govcloud_plan_moves", from_zone="zone-a", to_zone="zone-b") == 1
    assert _value(exporter, "govcloud_rebalancer_runs_total", outcome="ok") == 1
    assert _value(exporter, "govcloud_rebalancer_last_success_timestamp_seconds") == 1000.0
    assert _value(exporter, "govcloud_rebalancer_plan_duration_seconds_count") == 1
    assert _value(exporter, "govcloud_rebalancer_apply_enabled") == 0


def test_a_failed_refresh_keeps_the_last_good_metrics_and_counts(inventory_file: Path) -> None:
    clock = iter([1000.0, 1000.0, 2000.0, 2000.0, 3000.0, 3000.0]).__next__
    loop, exporter = _loop(inventory_file, clock=clock)
    assert loop.run_once()
    good = exporter.body.text()
    inventory_file.write_text("zones: [{name: zone-a, hosts: [{name: a1, capacity: {cpu: -1}}]}]\n")
    assert not loop.run_once()
    inventory_file.unlink()
    assert not loop.run_once()
    assert _value(exporter, "govcloud_rebalancer_refresh_errors_total") == 2
    assert _value(exporter, "govcloud_rebalancer_runs_total", outcome="refresh_error") == 2
    assert _value(exporter, "govcloud_rebalancer_last_success_timestamp_seconds") == 1000.0
    # The observation part of the body is unchanged: same zones, same plan.
    assert _value(exporter, "govcloud_zone_utilization_ratio", zone="zone-a", resource="cpu") == 56 / 64
    observation_lines = [line for line in good.splitlines() if b"rebalancer" not in line]
    assert observation_lines == [
        line for line in exporter.body.text().splitlines() if b"rebalancer" not in line
    ]


def test_a_failed_plan_publishes_the_fresh_inventory_without_a_plan(inventory_file: Path) -> None:
    def broken(inv: Inventory, max_moves: int | None) -> Plan:
        raise RuntimeError("solver exploded")

    loop, exporter = _loop(inventory_file, planner=broken)
    assert not loop.run_once()
    assert _value(exporter, "govcloud_rebalancer_plan_errors_total") == 1
    assert _value(exporter, "govcloud_zone_utilization_ratio", zone="zone-a", resource="cpu") == 56 / 64
    assert _value(exporter, "govcloud_plan_imbalance_ratio", stage="before") is None
    assert _value(exporter, "govcloud_rebalancer_last_success_timestamp_seconds") == 0


def test_apply_outcomes_are_counted(inventory_file: Path) -> None:
    applied: list[Plan] = []

    def apply(plan: Plan) -> ApplyOutcome:
        applied.append(plan)
        return ApplyOutcome(applied=3, failed=1)

    loop, exporter = _loop(inventory_file, apply=apply)
    assert loop.run_once() and loop.run_once()
    assert len(applied) == 2
    assert _value(exporter, "govcloud_rebalancer_moves_applied_total") == 6
    assert _value(exporter, "govcloud_rebalancer_moves_failed_total") == 2
    assert _value(exporter, "govcloud_rebalancer_apply_enabled") == 1


def test_the_applier_sees_empty_plans_too(inventory_file: Path) -> None:
    seen: list[Plan] = []

    def apply(plan: Plan) -> ApplyOutcome:
        seen.append(plan)
        return ApplyOutcome(applied=1, failed=0)  # e.g. it finished an interrupted run

    def nothing(inv: Inventory, max_moves: int | None) -> Plan:
        return Plan((), Snapshot.of(inv), Snapshot.of(inv))

    loop, exporter = _loop(inventory_file, planner=nothing, apply=apply)
    assert loop.run_once()
    assert [len(plan.moves) for plan in seen] == [0]
    assert _value(exporter, "govcloud_rebalancer_moves_applied_total") == 1


def test_an_applier_error_is_counted_not_raised(inventory_file: Path) -> None:
    def apply(plan: Plan) -> ApplyOutcome:
        raise ConnectionError("API down")

    loop, exporter = _loop(inventory_file, apply=apply)
    assert not loop.run_once()
    assert _value(exporter, "govcloud_rebalancer_runs_total", outcome="apply_error") == 1
    assert _value(exporter, "govcloud_rebalancer_last_success_timestamp_seconds") == 0


def test_run_forever_stops_when_told(inventory_file: Path) -> None:
    loop, exporter = _loop(inventory_file)
    stop = threading.Event()
    thread = threading.Thread(target=loop.run_forever, args=(0.01, stop))
    thread.start()
    while (_value(exporter, "govcloud_rebalancer_runs_total", outcome="ok") or 0) < 3:
        assert thread.is_alive()
        stop.wait(0.01)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert _value(exporter, "govcloud_rebalancer_interval_seconds") == 0.01
