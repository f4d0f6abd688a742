"""The rebalancer loop: refresh the inventory, plan, optionally apply, and publish what it saw.

The loop never raises: a failed refresh keeps the last good observation and counts the error, a
failed plan publishes the fresh inventory without a plan. Sources and appliers plug in as plain
callables, so the same loop serves inventory files, Kubernetes and OpenStack.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from monitoring.observation import Observation, ObservationHolder
from monitoring.run_metrics import RunMetrics
from scheduler.inventory import Inventory
from scheduler.inventory_file import InventoryError
from scheduler.plan import Plan
from scheduler.rebalance import rebalance
from scheduler.source import InventorySource

log = logging.getLogger("govcloud.serve")


@dataclass(frozen=True)
class ApplyOutcome:
    """How many moves of a plan an applier completed and how many failed."""

    applied: int
    failed: int


Planner = Callable[[Inventory], Plan]


def rebalance_planner(max_moves: int | None) -> Planner:
    """The scheduler's heuristic rebalance, limited to ``max_moves`` moves per plan."""
    return lambda inv: rebalance(inv, max_moves=max_moves)


ApplyFn = Callable[[Plan], ApplyOutcome]


class RebalanceLoop:
    """One source, one planner and an optional applier, reporting into a holder and run metrics."""

    def __init__(
        self,
        source: InventorySource,
        planner: Planner,
        holder: ObservationHolder,
        metrics: RunMetrics,
        *,
        apply: ApplyFn | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.planner = planner
        self.holder = holder
        self.metrics = metrics
        self.apply = apply
        self.clock = clock
        metrics.apply_enabled.set(0 if apply is None else 1)

    def run_once(self) -> bool:
        """One iteration; True when refresh, plan (and apply) all succeeded."""
        try:
            inventory = self.source.load()
        except Exception as error:
            self.metrics.refresh_errors.inc()
            self.metrics.runs.labels("refresh_error").inc()
            log.error(
                "inventory refresh from %r failed; keeping the last good metrics: %s",
                self.source,
                _describe(error),
            )
            return False
        started = time.perf_counter()
        try:
            plan = self.planner(inventory)
        except Exception as error:
            self.metrics.plan_errors.inc()
            self.metrics.runs.labels("plan_error").inc()
            self.holder.publish(Observation.of(inventory, None, self.clock()))
            log.error("planning failed: %s", _describe(error))
            return False
        self.metrics.plan_duration.observe(time.perf_counter() - started)
        self.holder.publish(Observation.of(inventory, plan, self.clock()))
        # Empty plans too: an applier may hold an interrupted run to finish (see govcloud serve).
        if self.apply is not None:
            try:
                outcome = self.apply(plan)
            except Exception as error:
                self.metrics.runs.labels("apply_error").inc()
                log.error("applying the plan failed: %s", _describe(error))
                return False
            self.metrics.moves_applied.inc(outcome.applied)
            self.metrics.moves_failed.inc(outcome.failed)
        self.metrics.runs.labels("ok").inc()
        self.metrics.last_success.set(self.clock())
        log.info(
            "planned %d moves: imbalance %.4f -> %.4f",
            len(plan.moves),
            plan.before.imbalance,
            plan.after.imbalance,
        )
        return True

    def run_forever(self, interval: float, stop: threading.Event) -> None:
        """Run an iteration every ``interval`` seconds until ``stop`` is set."""
        self.metrics.interval.set(interval)
        while not stop.is_set():
            self.run_once()
            stop.wait(interval)


def _describe(error: Exception) -> str:
    """The error in one log line: an inventory's problems, or the exception's type and message."""
    if isinstance(error, InventoryError):
        return "; ".join(error.problems)
    return f"{type(error).__name__}: {error}"
