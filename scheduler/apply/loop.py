"""The rebalancer loop that ``govcloud serve`` runs: refresh the inventory, plan, optionally apply.

The loop never raises: a failed refresh, plan or apply is reported to the observer and the next
iteration tries again. What each iteration saw and did goes to a :class:`LoopObserver` (the exporter
in :mod:`monitoring` is one), so the loop knows nothing of metrics and monitoring knows no planner.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from scheduler.apply.source import InventorySource
from scheduler.model.inventory import Inventory
from scheduler.model.inventory_file import InventoryError
from scheduler.model.plan import Plan
from scheduler.planning.rebalance import Planner

log = logging.getLogger("govcloud.serve")


@dataclass(frozen=True)
class ApplyOutcome:
    """How many moves of a plan an applier completed and how many failed."""

    applied: int
    failed: int


ApplyFn = Callable[[Plan], ApplyOutcome]
"""Carries out a plan (through the journaled applier) and says how it went."""


class IterationResult(Enum):
    """How one iteration ended."""

    OK = "ok"
    REFRESH_ERROR = "refresh_error"
    PLAN_ERROR = "plan_error"
    APPLY_ERROR = "apply_error"


@dataclass(frozen=True)
class Iteration:
    """What one iteration saw and did.

    ``inventory`` is None when the refresh failed (the last good observation stands); ``plan`` is
    None when planning failed; ``outcome`` is None unless the loop applies.
    """

    result: IterationResult
    at: float
    inventory: Inventory | None = None
    plan: Plan | None = None
    plan_seconds: float | None = None
    outcome: ApplyOutcome | None = None
    error: str | None = None


class LoopObserver(Protocol):
    """Told what the loop does; the exporter turns it into metrics."""

    def loop_configured(self, *, interval: float | None, applying: bool) -> None:
        """The loop's settings (``interval`` None: a single iteration)."""
        ...

    def iteration_done(self, iteration: Iteration) -> None:
        """One iteration ended (successfully or not)."""
        ...


class RebalanceLoop:
    """One source, one planner and an optional applier, reporting each iteration to an observer."""

    def __init__(
        self,
        source: InventorySource,
        planner: Planner,
        observer: LoopObserver,
        *,
        max_moves: int | None = None,
        apply: ApplyFn | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.planner = planner
        self.observer = observer
        self.max_moves = max_moves
        self.apply = apply
        self.clock = clock
        observer.loop_configured(interval=None, applying=apply is not None)

    def run_once(self) -> bool:
        """One iteration; True when refresh, plan (and apply) all succeeded."""
        iteration = self._iterate()
        self.observer.iteration_done(iteration)
        return iteration.result is IterationResult.OK

    def _iterate(self) -> Iteration:
        try:
            inventory = self.source.load()
        except Exception as error:
            log.error(
                "inventory refresh from %r failed; keeping the last good metrics: %s",
                self.source,
                _describe(error),
            )
            return Iteration(IterationResult.REFRESH_ERROR, self.clock(), error=_describe(error))
        started = time.perf_counter()
        try:
            plan = self.planner(inventory, self.max_moves)
        except Exception as error:
            log.error("planning failed: %s", _describe(error))
            return Iteration(IterationResult.PLAN_ERROR, self.clock(), inventory, error=_describe(error))
        seconds = time.perf_counter() - started
        at = self.clock()
        outcome = None
        # Empty plans too: an applier may hold an interrupted run to finish (see govcloud serve).
        if self.apply is not None:
            try:
                outcome = self.apply(plan)
            except Exception as error:
                log.error("applying the plan failed: %s", _describe(error))
                return Iteration(
                    IterationResult.APPLY_ERROR, at, inventory, plan, seconds, error=_describe(error)
                )
        log.info(
            "planned %d moves: imbalance %.4f -> %.4f",
            len(plan.moves),
            plan.before.imbalance,
            plan.after.imbalance,
        )
        return Iteration(IterationResult.OK, at, inventory, plan, seconds, outcome)

    def run_forever(self, interval: float, stop: threading.Event) -> None:
        """Run an iteration every ``interval`` seconds until ``stop`` is set."""
        self.observer.loop_configured(interval=interval, applying=self.apply is not None)
        while not stop.is_set():
            self.run_once()
            stop.wait(interval)


def _describe(error: Exception) -> str:
    """The error in one line: an inventory's problems, or the exception's type and message."""
    if isinstance(error, InventoryError):
        return "; ".join(error.problems)
    return f"{type(error).__name__}: {error}"
