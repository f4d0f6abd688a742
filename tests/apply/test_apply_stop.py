"""A stop request (serve's SIGTERM) ends a run after the moves in flight, resumable from the journal."""

from __future__ import annotations

import threading
from pathlib import Path

from scheduler.apply.applier import apply_plan, unfinished_plan
from scheduler.apply.journal import DONE, Journal
from scheduler.apply.limits import ApplyLimits
from scheduler.model.move import Move
from tests.apply.inmemory_cloud import Cloud, two_zones
from tests.apply.test_apply_resume import assert_exactly_once, make_plan


def test_stop_finishes_the_move_in_flight_and_leaves_the_run_to_resume(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    plan = make_plan(cloud)
    path = tmp_path / "journal.jsonl"
    stop = threading.Event()
    started: list[str] = []

    def sigterm_during_the_move(move: Move) -> None:
        started.append(move.workload)
        stop.set()  # the signal arrives while the first move is under way

    cloud.before_migrate = sigterm_during_the_move
    report = apply_plan(plan, cloud, cloud, journal=path, dry_run=False, stop=stop.is_set)

    first = plan.moves[0].workload
    assert started == [first], "no further move started"
    assert cloud.placement()[first] == plan.moves[0].to_host, "the move in flight was finished"
    assert [(s.move.workload, s.status) for s in report.steps] == [(first, DONE)]
    assert report.stopped is not None and "stop requested" in report.stopped
    (run,) = Journal.read(path)
    assert not run.ended and not run.open_intents, "journaled: one outcome, no open intent"
    assert list(run.outcomes) == [first]
    assert unfinished_plan(path) == plan, "the run is left to resume"

    cloud.before_migrate = None
    resumed = apply_plan(plan, cloud, cloud, journal=path, dry_run=False)
    assert resumed.resumed and resumed.run == run.run and resumed.stopped is None
    assert_exactly_once(cloud, plan, path)
    assert len(Journal.read(path)) == 1, "the same run was finished, no other started"


def test_stop_lets_every_move_in_flight_finish(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    plan = make_plan(cloud)
    path = tmp_path / "journal.jsonl"
    stop = threading.Event()
    cloud.before_migrate = lambda move: stop.set()
    limits = ApplyLimits(concurrency=2)
    apply_plan(plan, cloud, cloud, journal=path, limits=limits, dry_run=False, stop=stop.is_set)

    assert sum(cloud.migrations.values()) == 2, "both moves in flight finished, the third not started"
    (run,) = Journal.read(path)
    assert not run.ended and len(run.outcomes) == 2 and not run.open_intents
    cloud.before_migrate = None
    apply_plan(plan, cloud, cloud, journal=path, limits=limits, dry_run=False)
    assert_exactly_once(cloud, plan, path)


def test_stop_before_the_first_move_moves_nothing(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    plan = make_plan(cloud)
    path = tmp_path / "journal.jsonl"
    report = apply_plan(plan, cloud, cloud, journal=path, dry_run=False, stop=lambda: True)
    assert not cloud.migrations and not report.steps
    assert unfinished_plan(path) == plan
    apply_plan(plan, cloud, cloud, journal=path, dry_run=False)
    assert_exactly_once(cloud, plan, path)
