"""The pure parts of capacity planning, without a Prometheus: spike filter, trend, planning on usage."""

from __future__ import annotations

import numpy as np
import pytest

from scheduler.model.forecast import fit_trend
from scheduler.model.plan import Plan
from scheduler.model.safety import plan_violations
from scheduler.model.usage_stats import despike, usage_percentile
from scheduler.planning.rebalance import rebalance
from tests.capacity import world

DAYS = np.arange(0, world.DAYS, 1 / 48)


def test_despike_keeps_long_runs_and_cuts_short_ones() -> None:
    values = np.array([1, 1, 9, 9, 9, 1, 1, 8, 1, 1, 7, 7, 7, 7], dtype=float)
    assert despike(values, 3).tolist() == [1, 1, 9, 9, 9, 1, 1, 1, 1, 1, 7, 7, 7, 7]
    assert despike(values, 4).tolist() == [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 7, 7, 7, 7]
    assert despike(values, 1).tolist() == values.tolist()


def test_despike_ignores_gaps_and_edges() -> None:
    values = np.array([5, 5, 1, np.nan, 1, 1, 1, 6], dtype=float)
    out = despike(values, 3)
    assert np.isnan(out[3])
    assert out[0] == 1 and out[1] == 1  # a run cut off by the start is too short by itself
    assert out[-1] == 1  # and so is one cut off by the end
    assert usage_percentile(np.full(4, np.nan)) is None
    with pytest.raises(ValueError):
        usage_percentile(values, 101)


def test_the_trend_and_band_of_a_known_line() -> None:
    values = 10 + 0.5 * DAYS + np.sin(2 * np.pi * DAYS / 7)
    trend = fit_trend(DAYS * 86400, values)
    assert trend is not None
    assert trend.slope == pytest.approx(0.5, abs=0.02)
    until = trend.days_until(40)  # the line reaches 40 at day 60: 30 days after the last sample
    truth = 60 - DAYS[-1]
    assert until.earliest <= truth <= until.latest
    assert until.expected == pytest.approx(truth, abs=1.5)
    flat = fit_trend(DAYS * 86400, np.full(DAYS.size, 3.0))
    assert flat is not None and flat.days_until(4).expected is None
    assert fit_trend(DAYS[:2] * 86400, np.ones(2)) is None


def _p95_usage() -> dict[str, dict[str, float]]:
    out = {}
    for w in world.PLACEMENT:
        p95 = float(np.percentile(world.smooth_cpu(w, DAYS), 95))
        out[w] = {"cpu": p95, "memory_gib": 2 * p95}
    return out


def test_planning_by_usage_moves_what_requests_do_not_and_keeps_the_rules() -> None:
    inv = world.inventory()
    assert rebalance(inv).moves == ()
    plan = rebalance(inv, usage=_p95_usage())
    assert plan.basis == "usage" and plan.moves
    assert plan.after.imbalance < plan.before.imbalance / 3
    assert plan_violations(inv, plan.moves) == []  # capacity, quotas, residency: on requests
    assert Plan.from_json(plan.to_json()).basis == "usage"
    assert Plan.from_json({k: v for k, v in plan.to_json().items() if k != "basis"}).basis == "requests"


def test_a_workload_without_measurement_weighs_its_request() -> None:
    inv = world.inventory()
    usage = _p95_usage()
    del usage["health/his-0"]
    plan = rebalance(inv, usage=usage)
    # his-0 counts 8 cores of az1's 32 physical: az1 looks hotter than with its measured ~7.7
    assert plan.before.zones["az1"]["cpu"] > rebalance(inv, usage=_p95_usage()).before.zones["az1"]["cpu"]


def test_only_the_heuristic_balances_usage() -> None:
    with pytest.raises(ValueError, match="heuristic"):
        rebalance(world.inventory(), strategy="exact", usage=_p95_usage())
