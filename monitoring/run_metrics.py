"""The rebalancer loop's own metrics: runs, errors, moves applied and failed, plan duration."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Planning takes milliseconds for the heuristic and up to the time limit (10 s default) when exact.
PLAN_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class RunMetrics:
    """Counters, gauges and a histogram registered on an explicit registry (never the global one)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.runs = Counter(
            "govcloud_rebalancer_runs",
            "Loop iterations by outcome (ok, refresh_error, plan_error, apply_error).",
            ["outcome"],
            registry=registry,
        )
        self.refresh_errors = Counter(
            "govcloud_rebalancer_refresh_errors", "Inventory refreshes that failed.", registry=registry
        )
        self.plan_errors = Counter(
            "govcloud_rebalancer_plan_errors", "Planning runs that raised an error.", registry=registry
        )
        self.moves_applied = Counter(
            "govcloud_rebalancer_moves_applied", "Moves the applier completed.", registry=registry
        )
        self.moves_failed = Counter(
            "govcloud_rebalancer_moves_failed", "Moves the applier tried and that failed.", registry=registry
        )
        self.plan_duration = Histogram(
            "govcloud_rebalancer_plan_duration_seconds",
            "Time to compute a plan.",
            buckets=PLAN_SECONDS_BUCKETS,
            registry=registry,
        )
        self.last_success = Gauge(
            "govcloud_rebalancer_last_success_timestamp_seconds",
            "When a loop iteration last refreshed and planned (and applied) without error (Unix time).",
            registry=registry,
        )
        self.interval = Gauge(
            "govcloud_rebalancer_interval_seconds",
            "Configured time between loop iterations.",
            registry=registry,
        )
        self.apply_enabled = Gauge(
            "govcloud_rebalancer_apply_enabled",
            "1 when the loop applies its plans, 0 when it only plans.",
            registry=registry,
        )
        for outcome in ("ok", "refresh_error", "plan_error", "apply_error"):
            self.runs.labels(outcome)
