"""The applier's rules: dry-run, limits, skipping unsafe moves, failures, re-planning, the journal."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.apply.applier import apply_plan
from scheduler.apply.executor import MoveFailed
from scheduler.apply.journal import DONE, FAILED, SKIPPED, Journal, JournalError
from scheduler.apply.limits import ApplyLimits
from scheduler.apply.report import WOULD_MOVE
from scheduler.model.inventory import Inventory, Workload
from scheduler.model.move import Move
from scheduler.model.plan import Plan, Snapshot
from tests.apply.inmemory_cloud import Cloud, spread_moves, two_zones


def make_plan(inv: Inventory, moves: tuple[Move, ...]) -> Plan:
    after = inv.with_placement({m.workload: m.to_host for m in moves})
    return Plan(moves, Snapshot.of(inv), Snapshot.of(after))


def statuses(report: object) -> list[tuple[str, str]]:
    return [(s.move.workload, s.status) for s in report.steps]  # type: ignore[attr-defined]


def test_dry_run_is_the_default_and_touches_nothing(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    inv = cloud.load()
    plan = make_plan(inv, spread_moves(inv, 2))
    report = apply_plan(plan, cloud, cloud, journal=tmp_path / "j.jsonl")
    assert report.dry_run
    assert statuses(report) == [("w0", WOULD_MOVE), ("w1", WOULD_MOVE)]
    assert report.after < report.before
    assert not cloud.migrations
    assert not (tmp_path / "j.jsonl").exists()


def test_applies_in_order_and_lowers_imbalance(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    inv = cloud.load()
    plan = make_plan(inv, spread_moves(inv, 2))
    report = apply_plan(plan, cloud, cloud, journal=tmp_path / "j.jsonl", dry_run=False)
    assert statuses(report) == [("w0", DONE), ("w1", DONE)]
    assert report.ok and report.after < report.before
    assert cloud.placement()["w0"] == "b1" and cloud.placement()["w1"] == "b2"


# limits: (limits, expected statuses for the four moves w0..w3: tenants health, tax, health, tax)
LIMIT_CASES = [
    (ApplyLimits(per_run=2), [DONE, DONE, SKIPPED, SKIPPED]),
    (ApplyLimits(per_tenant=1), [DONE, DONE, SKIPPED, SKIPPED]),
    (ApplyLimits(per_zone=3), [DONE, DONE, DONE, SKIPPED]),
    (ApplyLimits(per_zone=0), [SKIPPED, SKIPPED, SKIPPED, SKIPPED]),
    (ApplyLimits(), [DONE, DONE, DONE, DONE]),
]


@pytest.mark.parametrize(("limits", "expected"), LIMIT_CASES)
def test_limits(tmp_path: Path, limits: ApplyLimits, expected: list[str]) -> None:
    cloud = Cloud(two_zones(6))
    inv = cloud.load()
    plan = make_plan(inv, spread_moves(inv, 4))
    report = apply_plan(plan, cloud, cloud, journal=tmp_path / "j.jsonl", limits=limits, dry_run=False)
    assert [s.status for s in report.steps] == expected
    assert sum(cloud.migrations.values()) == expected.count(DONE)
    for step in report.steps:
        if step.status == SKIPPED:
            assert step.reason is not None and step.reason.startswith("limit: ")
    dry = apply_plan(plan, Cloud(two_zones(6)), cloud, journal=tmp_path / "d.jsonl", limits=limits)
    assert [s.status for s in dry.steps] == [WOULD_MOVE if e == DONE else e for e in expected]


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="per_zone"):
        ApplyLimits(per_zone=-1)
    with pytest.raises(ValueError, match="concurrency"):
        ApplyLimits(concurrency=0)


def test_move_made_unsafe_by_someone_else_is_skipped_and_rest_continues(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    inv = cloud.load()
    plan = make_plan(inv, spread_moves(inv, 3))  # w0->b1, w1->b2, w2->b1

    def operator(move: Move) -> None:
        if move.workload == "w0":
            cloud.disable("b2")  # an operator cordons b2 while w0 moves

    cloud.before_migrate = operator
    report = apply_plan(plan, cloud, cloud, journal=tmp_path / "j.jsonl", dry_run=False)
    assert statuses(report) == [("w0", DONE), ("w1", SKIPPED), ("w2", DONE)]
    assert "host b2 is not schedulable" in (report.steps[1].reason or "")
    assert cloud.migrations["w1"] == 0 and cloud.placement()["w1"] == "a2"


def test_failed_move_is_reported_and_rest_continues(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    inv = cloud.load()
    plan = make_plan(inv, spread_moves(inv, 3))

    def flaky(move: Move) -> None:
        if move.workload == "w1":
            raise MoveFailed("live migration aborted by the hypervisor")

    cloud.before_migrate = flaky
    report = apply_plan(plan, cloud, cloud, journal=tmp_path / "j.jsonl", dry_run=False)
    assert statuses(report) == [("w0", DONE), ("w1", FAILED), ("w2", DONE)]
    assert report.steps[1].reason == "live migration aborted by the hypervisor"
    assert not report.ok


def test_group_spread_is_held_at_every_step(tmp_path: Path) -> None:
    # g0 and g1 are replicas of one group in zones a and b; the plan swaps them across zones.
    base = two_zones(2)
    workloads = (
        Workload("g0", "health", "a1", {"cpu": 2}, group="his"),
        Workload("g1", "health", "b1", {"cpu": 2}, group="his"),
        *base.workloads,
    )
    inv = Inventory(base.zones, (), workloads)
    cloud = Cloud(inv)
    moves = (
        Move("g0", "health", "a1", "b2", "a", "b"),
        Move("g1", "health", "b1", "a2", "b", "a"),
    )
    plan = make_plan(inv, moves)
    report = apply_plan(plan, cloud, cloud, journal=tmp_path / "j.jsonl", dry_run=False)
    # the first move would leave both replicas in zone b: refused by the safety gate, and then the
    # second would too; nothing moves
    assert [s.status for s in report.steps] == [SKIPPED, SKIPPED]
    assert "group his" in (report.steps[0].reason or "")
    assert not cloud.migrations


def test_replans_from_live_state_when_the_plan_went_stale(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    inv = cloud.load()
    plan = make_plan(
        inv, (Move("w0", "health", "a1", "b1", "a", "b"), Move("w2", "health", "a1", "b1", "a", "b"))
    )
    cloud.disable("b1")  # before the run starts: both planned moves are no longer possible
    seen: list[tuple[frozenset[str], int | None]] = []

    def planner(live: Inventory, budget: int | None) -> Plan:
        seen.append((frozenset(w.name for w in live.workloads if not w.movable), budget))
        return make_plan(live, (Move("w2", "health", "a1", "b2", "a", "b"),))

    report = apply_plan(
        plan,
        cloud,
        cloud,
        journal=tmp_path / "j.jsonl",
        limits=ApplyLimits(per_run=2),
        dry_run=False,
        planner=planner,
    )
    assert statuses(report) == [("w0", SKIPPED), ("w2", DONE)]
    assert len(report.replans) == 1
    # the skipped workload is pinned for the re-plan; the budget is what the limit leaves
    assert seen == [(frozenset({"w0"}), 2)]
    replans = [r for r in Journal.read(tmp_path / "j.jsonl")[-1].moves]
    assert [(m.workload, m.to_host) for m in replans] == [("w0", "b1"), ("w2", "b2")]
    assert cloud.placement()["w2"] == "b2"


def test_journal_of_another_unfinished_plan_is_refused(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    inv = cloud.load()
    path = tmp_path / "j.jsonl"
    with Journal(path) as book:
        book.start("r1", make_plan(inv, spread_moves(inv, 1)).to_json(), {})
    with pytest.raises(JournalError, match=r"unfinished run .* different plan"):
        apply_plan(make_plan(inv, spread_moves(inv, 2)), cloud, cloud, journal=path, dry_run=False)
    assert not cloud.migrations


def test_corrupt_middle_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"event": "end", "run": "x"}\nnot json\n{"event": "end"}\n')
    with pytest.raises(JournalError, match=r"j\.jsonl: line 1: unreadable"):
        Journal.read(path)


def test_one_applier_per_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path), pytest.raises(JournalError, match="another applier"):
        Journal(path).open()


def test_concurrency_runs_moves_on_distinct_hosts_together(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    inv = cloud.load()
    plan = make_plan(inv, spread_moves(inv, 4))
    lock = threading.Lock()
    active = [0, 0]  # now, most

    def slow(move: Move) -> None:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1

    cloud.before_migrate = slow
    report = apply_plan(
        plan, cloud, cloud, journal=tmp_path / "j.jsonl", limits=ApplyLimits(concurrency=2), dry_run=False
    )
    assert [s.status for s in report.steps] == [DONE] * 4
    assert active[1] == 2
    assert all(cloud.migrations[m.workload] == 1 for m in plan.moves)


def test_each_step_is_reported_as_it_happens(tmp_path: Path) -> None:
    cloud = Cloud(two_zones())
    inv = cloud.load()
    plan = make_plan(inv, spread_moves(inv, 2))
    seen: list[tuple[str, str, int]] = []
    report = apply_plan(
        plan,
        cloud,
        cloud,
        journal=tmp_path / "j.jsonl",
        dry_run=False,
        on_step=lambda step: seen.append((step.move.workload, step.status, sum(cloud.migrations.values()))),
    )
    # called right after each outcome, before the next move starts
    assert seen == [("w0", DONE, 1), ("w1", DONE, 2)]
    assert statuses(report) == [(w, s) for w, s, _ in seen]


def dependent_plan() -> tuple[Cloud, Plan]:
    """Zone a is hot; b1 is nearly full: the plan first makes room on b1 (big: b1 -> b2, within zone b),
    then moves w0 from a into b1."""
    base = two_zones(4)
    extra = (
        Workload("h1", "tax", "a1", {"cpu": 8}),
        Workload("h2", "tax", "a2", {"cpu": 8}),
        Workload("big", "tax", "b1", {"cpu": 15}),
    )
    inv = Inventory(base.zones, (), (*base.workloads, *extra))
    cloud = Cloud(inv)
    moves = (Move("big", "tax", "b1", "b2", "b", "b"), Move("w0", "health", "a1", "b1", "a", "b"))
    return cloud, make_plan(inv, moves)


def fail_big(move: Move) -> None:
    if move.workload == "big":
        raise MoveFailed("migration of big timed out")


def test_failure_that_makes_the_rest_unsafe_stops_without_planner(tmp_path: Path) -> None:
    cloud, plan = dependent_plan()
    cloud.before_migrate = fail_big
    report = apply_plan(plan, cloud, cloud, journal=tmp_path / "j.jsonl", dry_run=False)
    assert statuses(report) == [("big", FAILED), ("w0", SKIPPED)]
    assert "would exceed its cpu capacity" in (report.steps[1].reason or "")
    assert report.stopped is not None and "no planner" in report.stopped
    assert cloud.migrations["w0"] == 0


def test_failure_that_makes_the_rest_unsafe_is_replanned(tmp_path: Path) -> None:
    cloud, plan = dependent_plan()
    cloud.before_migrate = fail_big

    def planner(live: Inventory, budget: int | None) -> Plan:
        assert not live.workload("big").movable  # tried once already: stays put
        return make_plan(live, (Move("w0", "health", "a1", "b2", "a", "b"),))

    report = apply_plan(plan, cloud, cloud, journal=tmp_path / "j.jsonl", dry_run=False, planner=planner)
    assert statuses(report) == [("big", FAILED), ("w0", DONE)]
    assert cloud.placement()["w0"] == "b2"
    assert len(report.replans) == 1 and "no longer safe" in report.replans[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    per_run=st.one_of(st.none(), st.integers(0, 6)),
    per_zone=st.one_of(st.none(), st.integers(0, 6)),
    per_tenant=st.one_of(st.none(), st.integers(0, 4)),
    count=st.integers(0, 6),
)
def test_limits_always_hold(
    tmp_path_factory: pytest.TempPathFactory,
    per_run: int | None,
    per_zone: int | None,
    per_tenant: int | None,
    count: int,
) -> None:
    cloud = Cloud(two_zones(6))
    inv = cloud.load()
    plan = make_plan(inv, spread_moves(inv, count))
    limits = ApplyLimits(per_run=per_run, per_zone=per_zone, per_tenant=per_tenant)
    path = tmp_path_factory.mktemp("limits") / "j.jsonl"
    report = apply_plan(plan, cloud, cloud, journal=path, limits=limits, dry_run=False)
    done = [s.move for s in report.steps if s.status == DONE]
    assert [s.move for s in report.steps] == list(plan.moves)  # every move accounted for, in order
    assert per_run is None or len(done) <= per_run
    for zone in ("a", "b"):
        assert per_zone is None or sum(zone in (m.from_zone, m.to_zone) for m in done) <= per_zone
    for tenant in ("health", "tax"):
        assert per_tenant is None or sum(m.tenant == tenant for m in done) <= per_tenant
    # nothing was held back needlessly: with no limit at all, everything moves
    if per_run is None and per_zone is None and per_tenant is None:
        assert len(done) == count
    assert sum(cloud.migrations.values()) == len(done)
