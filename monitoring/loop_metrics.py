"""The loop's observer: each iteration of ``govcloud serve`` as run metrics and a published observation."""

from __future__ import annotations

from monitoring.observation import Observation, ObservationHolder
from monitoring.run_metrics import RunMetrics
from scheduler.apply.loop import Iteration, IterationResult


class LoopMetrics:
    """A :class:`~scheduler.apply.loop.LoopObserver` that counts and publishes what the loop did.

    A failed refresh keeps the last good observation; a failed plan publishes the fresh inventory
    without a plan; only an iteration that refreshed, planned (and applied) sets the last success.
    """

    def __init__(self, holder: ObservationHolder, metrics: RunMetrics) -> None:
        self.holder = holder
        self.metrics = metrics

    def loop_configured(self, *, interval: float | None, applying: bool) -> None:
        self.metrics.apply_enabled.set(1 if applying else 0)
        if interval is not None:
            self.metrics.interval.set(interval)

    def iteration_done(self, iteration: Iteration) -> None:
        metrics = self.metrics
        metrics.runs.labels(iteration.result.value).inc()
        if iteration.result is IterationResult.REFRESH_ERROR or iteration.inventory is None:
            metrics.refresh_errors.inc()
            return
        if iteration.result is IterationResult.PLAN_ERROR or iteration.plan is None:
            metrics.plan_errors.inc()
            self.holder.publish(Observation.of(iteration.inventory, None, iteration.at))
            return
        if iteration.plan_seconds is not None:
            metrics.plan_duration.observe(iteration.plan_seconds)
        self.holder.publish(Observation.of(iteration.inventory, iteration.plan, iteration.at))
        if iteration.result is IterationResult.APPLY_ERROR:
            return
        if iteration.outcome is not None:
            metrics.moves_applied.inc(iteration.outcome.applied)
            metrics.moves_failed.inc(iteration.outcome.failed)
        metrics.last_success.set(iteration.at)
