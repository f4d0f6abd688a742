"""The applier survives being killed at every point: no move repeated, none lost."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.apply.applier import apply_plan, unfinished_plan
from scheduler.apply.journal import DONE, Journal
from scheduler.apply.limits import ApplyLimits
from scheduler.model.plan import Plan, Snapshot
from tests.apply.inmemory_cloud import Cloud, Crash, CrashingJournal, Faults, spread_moves, two_zones

MOVES = 3


def make_plan(cloud: Cloud, count: int = MOVES) -> Plan:
    inv = cloud.load()
    moves = spread_moves(inv, count)
    after = inv.with_placement({m.workload: m.to_host for m in moves})
    return Plan(moves, Snapshot.of(inv), Snapshot.of(after))


def run_once(cloud: Cloud, plan: Plan, path: Path, faults: Faults) -> bool:
    """One applier process; False when it was killed."""
    cloud.faults = faults
    try:
        apply_plan(plan, cloud, cloud, journal=CrashingJournal(path, faults), dry_run=False)
    except Crash:
        return False
    return True


def assert_exactly_once(cloud: Cloud, plan: Plan, path: Path) -> None:
    placement = cloud.placement()
    for move in plan.moves:
        assert placement[move.workload] == move.to_host
        assert cloud.migrations[move.workload] == 1, move.workload
    assert sum(cloud.migrations.values()) == len(plan.moves)
    assert len(placement) == len(two_zones().workloads)  # nothing lost
    runs = Journal.read(path)
    assert runs[-1].ended
    # Across all runs in the journal (a crash right after "end" makes the rerun a new, idle run),
    # each planned move is recorded done exactly once.
    done = [name for run in runs for name, o in run.outcomes.items() if o.status == DONE]
    assert sorted(done) == sorted(m.workload for m in plan.moves)
    assert unfinished_plan(path) is None


def count_points() -> int:
    cloud = Cloud(two_zones())
    faults = Faults(None)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        assert run_once(cloud, make_plan(cloud), Path(tmp) / "j.jsonl", faults)
    return faults.count


POINTS = count_points()


def test_there_are_many_crash_points() -> None:
    # run + 3 x (intent, 2 migration points, outcome) + end; journal writes have 3 points each
    assert POINTS == 3 * (1 + MOVES * 2 + 1) + MOVES * 2


@pytest.mark.parametrize("point", range(POINTS))
def test_crash_at_every_point_then_resume(tmp_path: Path, point: int) -> None:
    cloud = Cloud(two_zones())
    plan = make_plan(cloud)
    path = tmp_path / "journal.jsonl"
    assert not run_once(cloud, plan, path, Faults(point))
    assert run_once(cloud, plan, path, Faults(None))
    assert_exactly_once(cloud, plan, path)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(crashes=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=4))
def test_repeated_crashes_while_resuming(
    tmp_path_factory: pytest.TempPathFactory, crashes: list[int]
) -> None:
    # Each crash point counts from the start of that process, so later crashes hit the resume path.
    cloud = Cloud(two_zones())
    plan = make_plan(cloud)
    path = tmp_path_factory.mktemp("journal") / "journal.jsonl"
    for point in crashes:
        run_once(cloud, plan, path, Faults(point))
    assert run_once(cloud, plan, path, Faults(None))
    assert_exactly_once(cloud, plan, path)


def test_resumed_report_marks_earlier_steps(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    plan = make_plan(cloud)
    path = tmp_path / "journal.jsonl"
    # run record (3 points), first intent (3), migration (2), first outcome (3): then die
    assert not run_once(cloud, plan, path, Faults(3 + 3 + 2 + 3))
    resumable = unfinished_plan(path)
    assert resumable is not None and resumable.moves == plan.moves
    report = apply_plan(plan, cloud, cloud, journal=path, dry_run=False)
    assert report.resumed
    assert [(s.move.workload, s.status, s.resumed) for s in report.steps] == [
        ("w0", DONE, True),
        ("w1", DONE, False),
        ("w2", DONE, False),
    ]


def test_migration_done_but_outcome_lost_is_found_on_target(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    plan = make_plan(cloud)
    path = tmp_path / "journal.jsonl"
    assert not run_once(cloud, plan, path, Faults(3 + 3 + 1))  # right after w0 moved
    report = apply_plan(plan, cloud, cloud, journal=path, dry_run=False)
    first = report.steps[0]
    assert (first.move.workload, first.status, first.resumed) == ("w0", DONE, False)
    assert first.reason is not None and "interrupted" in first.reason
    assert cloud.migrations["w0"] == 1


def test_torn_last_line_is_cut_before_appending(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    plan = make_plan(cloud)
    path = tmp_path / "journal.jsonl"
    assert not run_once(cloud, plan, path, Faults(4))  # torn intent of the first move
    text = path.read_text()
    assert not text.endswith("\n")
    assert run_once(cloud, plan, path, Faults(None))
    assert all(line.startswith("{") and line.endswith("}") for line in path.read_text().splitlines())
    assert_exactly_once(cloud, plan, path)


def test_crash_anywhere_with_two_moves_in_flight(tmp_path: Path) -> None:
    # Moves run two at a time (distinct hosts); whatever the interleaving, a crash at any point and a
    # resume still move each workload exactly once.
    limits = ApplyLimits(concurrency=2)
    for point in range(0, POINTS, 2):
        cloud = Cloud(two_zones())
        plan = make_plan(cloud)
        path = tmp_path / f"journal-{point}.jsonl"
        faults = Faults(point)
        cloud.faults = faults
        with contextlib.suppress(Crash):
            apply_plan(
                plan, cloud, cloud, journal=CrashingJournal(path, faults), limits=limits, dry_run=False
            )
        cloud.faults = Faults(None)
        apply_plan(plan, cloud, cloud, journal=path, limits=limits, dry_run=False)
        assert_exactly_once(cloud, plan, path)


def test_dry_run_of_an_interrupted_run_shows_the_resume_and_writes_nothing(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    plan = make_plan(cloud)
    path = tmp_path / "journal.jsonl"
    # die right after w1 moved, before its outcome: w0 done, w1 in the crash window, w2 not started
    assert not run_once(cloud, plan, path, Faults(3 + (3 + 2 + 3) + 3 + 1))
    before = path.read_bytes()
    report = apply_plan(plan, cloud, cloud, journal=path)
    assert report.dry_run and report.resumed
    assert [(s.move.workload, s.status, s.resumed) for s in report.steps] == [
        ("w0", DONE, True),
        ("w1", DONE, False),  # found on its target: resuming will record it done
        ("w2", "would-move", False),
    ]
    assert path.read_bytes() == before
    assert cloud.migrations["w2"] == 0
