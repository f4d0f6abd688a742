"""The applier: the one place every executor goes through to carry out a plan.

Dry-run by default (nothing is written, nothing moves): a dry run takes the very same path with a
simulated cloud and a journal kept in memory (:mod:`scheduler.apply.dry_run`). Each move is:
checked against the limits, checked against the live state re-read from the source (the same safety
gate the planner uses), journaled as an intent, handed to the executor, and journaled with its
outcome. An interrupted run resumes from the journal: a move whose intent has no outcome is settled by
looking where the workload runs now, so no move is repeated and none is lost. When the live state
departs from the plan (a move skipped or failed, someone else moved things) the rest is checked again
and, with a planner, re-planned from the live state.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Protocol, runtime_checkable

from scheduler.apply.dry_run import DryRunJournal, SimulatedCloud
from scheduler.apply.executor import Executor, MoveDeferred, MoveFailed
from scheduler.apply.journal import (
    DONE,
    FAILED,
    SKIPPED,
    UNKNOWN,
    Journal,
    JournalError,
    RunJournal,
    RunState,
)
from scheduler.apply.limits import ApplyLimits, LimitCounter
from scheduler.apply.report import WOULD_MOVE, ApplyReport, Step
from scheduler.apply.source import InventorySource
from scheduler.model.imbalance import imbalance, zone_utilization
from scheduler.model.inventory import Inventory, Workload
from scheduler.model.move import Move
from scheduler.model.plan import Plan
from scheduler.model.safety import SafetyState, group_zone_counts
from scheduler.planning.rebalance import Planner


@runtime_checkable
class Locator(Protocol):
    """Optional executor extension: where a workload that left the live inventory went.

    Kubernetes replaces an evicted pod by a new pod with another name, so after a crash the applier
    asks the executor where the replacement of ``move.workload`` (created after ``since``, a UNIX
    time) runs. Returns the host name, or None when it cannot tell.
    """

    def locate(self, move: Move, since: float) -> str | None: ...


def unfinished_plan(journal: str | Path | RunJournal) -> Plan | None:
    """The plan of the unfinished run in ``journal`` (to resume it), or None."""
    runs = journal.read_runs() if isinstance(journal, RunJournal) else Journal.read(journal)
    if runs and not runs[-1].ended:
        return Plan.from_json(runs[-1].plan)
    return None


def _imbalance(inv: Inventory) -> float:
    return imbalance(zone_utilization(inv))


def _pinned(inv: Inventory, names: set[str]) -> Inventory:
    """``inv`` with the named workloads made immovable (each workload moves at most once per run)."""
    if not names:
        return inv
    workloads = tuple(
        Workload(w.name, w.tenant, w.host, w.requests, w.group, w.allowed_zones, False)
        if w.name in names
        else w
        for w in inv.workloads
    )
    return Inventory(inv.zones, inv.tenants, workloads)


def _simulate(
    inv: Inventory, moves: Sequence[Move], baseline: Mapping[str, int]
) -> tuple[Inventory, str | None]:
    """Apply ``moves`` in order to a copy of ``inv``; the state reached and the first violation."""
    state = SafetyState(inv, baseline_groups=baseline, focus=moves)
    for move in moves:
        problems = state.violations(move)
        if problems:
            return _reached(inv, state), f"{move.workload}: {'; '.join(problems)}"
        state.apply(move)
    return _reached(inv, state), None


def _reached(inv: Inventory, state: SafetyState) -> Inventory:
    """``inv`` with the moves ``state`` applied."""
    return inv.with_placement({name: state.where(name) for name in state.moved})


def _still_good(inv: Inventory, moves: Sequence[Move], baseline: Mapping[str, int]) -> str | None:
    """Why the remaining ``moves`` should not be applied as planned from live state ``inv`` (None: fine)."""
    reached, problem = _simulate(inv, moves, baseline)
    if problem is not None:
        return f"the remaining moves are no longer safe ({problem})"
    now, then = _imbalance(inv), _imbalance(reached)
    if then > now + 1e-9:
        return f"the remaining moves would raise the imbalance from {now:.4f} to {then:.4f}"
    return None


class _Run:
    """The state of one applying run (not a dry run)."""

    def __init__(
        self,
        journal: RunJournal,
        state: RunState,
        source: InventorySource,
        executor: Executor,
        limits: ApplyLimits,
        planner: Planner | None,
        on_step: Callable[[Step], None] | None = None,
        dry_run: bool = False,
    ) -> None:
        self.on_step = on_step
        self.dry_run = dry_run
        self.journal = journal
        self.state = state
        self.source = source
        self.executor = executor
        self.limits = limits
        self.planner = planner
        self.counter = LimitCounter(limits, state.attempted)
        self.spent = {m.workload for m in state.attempted}
        self.steps: list[Step] = []
        self.replans: list[str] = []
        self.stopped: str | None = None

    def settle(self, move: Move, status: str, reason: str | None = None, *, made: bool = False) -> None:
        """Journal ``move``'s outcome; ``made``: the executor just made it (a dry run would make it)."""
        self.journal.outcome(self.state.run, move, status, reason)
        shown = WOULD_MOVE if made and self.dry_run else status
        step = Step(move, shown, reason)
        self.steps.append(step)
        if self.on_step is not None and not self.dry_run:
            self.on_step(step)

    def reconcile(self) -> None:
        """Settle each move whose intent was written by an interrupted run but whose outcome was not."""
        for move, since in self.state.open_intents:
            settled = _settle_open_intent(self.source.load(), self.executor, move, since)
            if settled is not None:
                self.settle(move, *settled)

    def replan_if_needed(self, inv: Inventory) -> None:
        pending = self.state.pending()
        present = [m for m in pending if m.workload in _names(inv)]
        reason = _still_good(inv, present, self.state.baseline_groups)
        if reason is None:
            return
        if self.planner is None:
            self.stopped = f"{reason}; stopping (no planner to re-plan with)"
            for move in pending:
                self.settle(move, SKIPPED, "not applied: " + reason)
            return
        budget = None
        if self.limits.per_run is not None:
            budget = max(0, self.limits.per_run - self.counter.total)
        # Each workload moves at most once per run: whatever was tried or settled stays put.
        plan = self.planner(_pinned(inv, set(self.state.outcomes) | self.spent), budget)
        note = f"re-planned {len(plan.moves)} moves: {reason}"
        self.journal.replan(self.state.run, list(plan.moves), note)
        self.replans.append(note)

    def batch(self, inv: Inventory) -> list[Move]:
        """The next moves to start together (at most ``concurrency``), settling skipped ones."""
        chosen: list[Move] = []
        pending = self.state.pending()
        simulated = SafetyState(
            inv, baseline_groups=self.state.baseline_groups, focus=pending[: self.limits.concurrency]
        )
        names = _names(inv)
        busy: set[str] = set()
        for move in pending:
            if len(chosen) >= self.limits.concurrency:
                break
            if move.workload not in names:
                if not chosen:
                    self.settle(move, SKIPPED, "no longer in the live state")
                    continue
                break
            blocked = None if move.workload in self.spent else self.counter.blocked_by(move)
            if blocked is not None:
                if not chosen:
                    self.settle(move, SKIPPED, "limit: " + blocked)
                    continue
                break
            problems = simulated.violations(move)
            if problems:
                if not chosen:
                    self.settle(move, SKIPPED, "unsafe in the live state: " + "; ".join(problems))
                    return []  # the live state departed from the plan: check the rest again first
                break
            if {move.from_host, move.to_host} & busy:
                break  # moves in flight together never share a host
            simulated.apply(move)
            busy |= {move.from_host, move.to_host}
            chosen.append(move)
        return chosen

    def execute(self, moves: list[Move]) -> bool:
        """Run ``moves`` (in flight together); True when all went as planned."""
        for move in moves:
            self.journal.intent(self.state.run, move)
            if move.workload not in self.spent:
                self.counter.spend(move)
                self.spent.add(move.workload)
        if len(moves) == 1:
            return self._finish(moves[0], _attempt(self.executor, moves[0]))
        good = True
        with ThreadPoolExecutor(max_workers=len(moves)) as pool:
            futures: dict[Future[tuple[str, str | None]], Move] = {
                pool.submit(_attempt, self.executor, move): move for move in moves
            }
            remaining = set(futures)
            while remaining:
                finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for future in finished:
                    good = self._finish(futures[future], future.result()) and good
        return good

    def _finish(self, move: Move, outcome: tuple[str, str | None]) -> bool:
        status, reason = outcome
        if status == DONE:
            self.settle(move, DONE, made=True)
            return True
        self.settle(move, status, reason)
        return status != FAILED  # a deferred move changed nothing: no need to re-plan


def _settle_open_intent(
    inv: Inventory, executor: Executor, move: Move, since: float
) -> tuple[str, str] | None:
    """(status, reason) for a move whose intent has no outcome, from where the workload is now; None
    when it is still on its source host (it never moved: still pending, retried if still safe).

    Zones are compared, not hosts: the plan balances zones, and where a workload is recreated rather
    than moved (a Kubernetes pod's replacement) the node within the zone is the scheduler's choice.
    """
    if move.workload in _names(inv):
        host = inv.workload(move.workload).host
        if host == move.from_host:
            return None
    else:
        host = _locate(executor, move, since)
    if host is None:
        return UNKNOWN, "gone from the live state after an interrupted run; not retried"
    zone = _zone_of(inv, host)
    if host == move.to_host or zone == move.to_zone:
        return DONE, f"found on {host} in the planned zone {move.to_zone} after an interrupted run"
    return FAILED, f"found on {host} in zone {zone}, not in {move.to_zone}, after an interrupted run"


def _zone_of(inv: Inventory, host: str) -> str | None:
    """The zone of ``host`` in ``inv`` (None for a host outside the inventory, e.g. an unzoned node)."""
    return inv.zone_of(host) if host in {h.name for h in inv.hosts} else None


def _attempt(executor: Executor, move: Move) -> tuple[str, str | None]:
    """Run one move: (DONE, None), (SKIPPED, "deferred: why") when the executor refused it before
    changing anything (MoveDeferred), or (FAILED, why). Anything but MoveFailed propagates: its outcome
    is unknown, so the intent stays open and the next run settles it from the live state."""
    try:
        executor.migrate(move)
    except MoveDeferred as deferred:
        return SKIPPED, "deferred: " + deferred.reason
    except MoveFailed as failure:
        return FAILED, failure.reason
    return DONE, None


def _names(inv: Inventory) -> set[str]:
    return {w.name for w in inv.workloads}


def _locate(executor: Executor, move: Move, since: float) -> str | None:
    """Where a workload that left the live inventory went, if the executor can tell."""
    return executor.locate(move, since) if isinstance(executor, Locator) else None


def apply_plan(
    plan: Plan,
    source: InventorySource,
    executor: Executor,
    *,
    journal: Path | RunJournal,
    limits: ApplyLimits | None = None,
    dry_run: bool = True,
    server_dry_run: bool = False,
    planner: Planner | None = None,
    on_step: Callable[[Step], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> ApplyReport:
    """Carry out ``plan`` through ``executor``, journaled in ``journal``, within ``limits``.

    If the journal holds an unfinished run, that run is resumed; it must be of the same plan
    (see :func:`unfinished_plan`), else :class:`JournalError`. With ``dry_run`` (the default) nothing
    is written or moved: the report says what would happen against the live state now. ``journal``
    is a path (a :class:`Journal` file) or an unopened :class:`RunJournal` (one kept in the cluster,
    or one that injects faults in tests). ``planner`` re-plans the remaining moves when the live
    state departs from the plan; ``on_step`` is called with each step as soon as its outcome is
    journaled (progress for long runs). ``server_dry_run``: the dry run also asks the executor's ``preflight`` (a server-side dry run) for each move, so refusals
    such as a PodDisruptionBudget's show as deferred moves. ``stop`` is asked before each batch
    of moves: once it says True (a shutdown was requested), the moves in flight are finished and
    journaled, no further move starts, and the run is left unfinished in the journal for the next
    call to resume (the report's ``stopped`` says so).
    """
    limits = limits or ApplyLimits()
    kept = journal if isinstance(journal, RunJournal) else Journal(journal)
    book = DryRunJournal(kept) if dry_run else kept
    if dry_run:
        source = executor = SimulatedCloud(source, executor, server_side=server_dry_run)
    with book:
        start = source.load()
        state = book.current
        resumed = state is not None
        earlier: list[Step] = []
        if state is not None:
            _check_same_plan(book.where, state, plan)
            earlier = [Step(o.move, o.status, o.reason, resumed=True) for o in state.outcomes.values()]
        else:
            state = book.start(uuid.uuid4().hex, plan.to_json(), group_zone_counts(start))
        run = _Run(book, state, source, executor, limits, planner, on_step, dry_run)
        run.reconcile()
        interrupted = False
        while run.stopped is None and state.pending():
            if stop is not None and stop():
                interrupted = True
                run.stopped = f"stop requested: {len(state.pending())} moves left to resume"
                break
            inv = source.load()
            moves = run.batch(inv)
            if not moves:
                run.replan_if_needed(source.load())
                continue
            if not run.execute(moves):
                run.replan_if_needed(source.load())
        if not interrupted:
            book.end(state.run)
        return ApplyReport(
            run=state.run if resumed or not dry_run else None,
            dry_run=dry_run,
            resumed=resumed,
            steps=tuple(earlier + run.steps),
            replans=tuple(run.replans),
            before=_imbalance(start),
            after=_imbalance(source.load()),
            journal=book.where,
            stopped=run.stopped,
        )


def _check_same_plan(journal: str, state: RunState, plan: Plan) -> None:
    recorded = tuple(Move.from_json(m) for m in state.plan["moves"])
    if recorded != plan.moves:
        settled = len(state.outcomes)
        raise JournalError(
            f"{journal}: holds an unfinished run ({settled} of {len(state.moves)} moves settled) of a "
            "different plan; resume it with its own plan (govcloud rebalance --apply does) "
            "or move the journal away to start afresh"
        )
