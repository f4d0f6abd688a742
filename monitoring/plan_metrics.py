"""The last plan: moves planned by source and destination zone, and the imbalance it starts and ends at."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric

from scheduler.model.plan import Plan


@dataclass(frozen=True)
class PlanFigures:
    """What the plan collector exports about one plan, and when it was made (Unix seconds)."""

    moves: tuple[tuple[str, str, int], ...]  # (from_zone, to_zone, count)
    imbalance_before: float
    imbalance_after: float
    lower_bound: float | None
    created: float


def plan_figures(plan: Plan, created: float) -> PlanFigures:
    """Summarise ``plan``, made at ``created``."""
    counts = Counter((move.from_zone, move.to_zone) for move in plan.moves)
    return PlanFigures(
        tuple((src, dst, n) for (src, dst), n in sorted(counts.items())),
        plan.before.imbalance,
        plan.after.imbalance,
        plan.lower_bound,
        created,
    )


def plan_families(figures: PlanFigures) -> Iterator[Metric]:
    """Fresh metric families for ``figures``."""
    moves = GaugeMetricFamily(
        "govcloud_plan_moves",
        "Moves in the last plan, by source and destination zone.",
        labels=("from_zone", "to_zone"),
    )
    for src, dst, count in figures.moves:
        moves.add_metric((src, dst), count)
    yield moves
    stages = GaugeMetricFamily(
        "govcloud_plan_imbalance_ratio",
        "Imbalance before and after the last plan, and its proven lower bound when known.",
        labels=("stage",),
    )
    stages.add_metric(("before",), figures.imbalance_before)
    stages.add_metric(("after",), figures.imbalance_after)
    if figures.lower_bound is not None:
        stages.add_metric(("lower_bound",), figures.lower_bound)
    yield stages
    yield GaugeMetricFamily(
        "govcloud_plan_timestamp_seconds", "When the last plan was made (Unix time).", value=figures.created
    )
