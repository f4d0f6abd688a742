"""``govcloud forecast``: days until full within the band around the known synthetic trend; right-sizing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.capacity import world
from tests.capacity.conftest import History
from tests.monitoring.conftest import govcloud

pytestmark = pytest.mark.prometheus

USAGE = ("--rate-window", "15m")  # the synthetic history is sampled every 5 minutes


@pytest.fixture(scope="module")
def document(history: History) -> dict[str, Any]:
    done = govcloud(
        "forecast", "--inventory", str(history.inventory), "--prometheus", history.url, *USAGE, "--json"
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _row(document: dict[str, Any], kind: str, name: str, resource: str) -> dict[str, Any]:
    return next(r for r in document[kind][name] if r["resource"] == resource)


def _days_after_end(base: float, per_day: float, limit: float) -> float:
    return (limit - base) / per_day - world.DAYS


def test_zones_run_full_within_the_band_of_the_known_trend(document: dict[str, Any]) -> None:
    assert document["version"] == 1 and set(document["zones"]) == set(world.ZONES)
    physical = 2 * world.HOST_CPU
    for zone in world.ZONES:
        base, per_day = world.zone_cpu_trend(zone)
        row = _row(document, "zones", zone, "cpu")
        assert row["limit"] == physical
        assert row["trend"]["per_day"] == pytest.approx(per_day, abs=0.03), zone
        until = row["days_until_limit"]
        if per_day == 0:
            assert until["expected"] is None, zone  # a flat zone never runs full
            continue
        truth = _days_after_end(base, per_day, physical)
        assert until["earliest"] <= truth <= until["latest"], (zone, truth, until)
        assert until["expected"] == pytest.approx(truth, rel=0.25, abs=3), zone
    # the hottest zone runs out first
    assert _row(document, "zones", "az1", "cpu")["days_until_limit"]["expected"] < 30


def test_tenants_reach_their_quota_as_the_trend_says(document: dict[str, Any]) -> None:
    health = _row(document, "tenants", "health", "cpu")
    assert health["limit"] == 32
    hot, medium = world.HOT, world.MEDIUM
    truth = _days_after_end(2 * hot.base + medium.base, 2 * hot.slope + medium.slope, 32)
    until = health["days_until_limit"]
    assert until["earliest"] <= truth <= until["latest"]


def test_right_sizing_names_exactly_the_under_using_tenants(document: dict[str, Any]) -> None:
    suggestions = document["right_sizing"]
    assert {s["tenant"] for s in suggestions} == world.UNDER_USING
    for s in suggestions:
        assert s["peak_ratio"] < 0.5
        assert s["requested"] <= s["suggested_quota"] < s["quota"]


def test_without_the_spike_filter_transport_looks_busy(history: History) -> None:
    done = govcloud(
        "forecast", "--inventory", str(history.inventory), "--prometheus", history.url, *USAGE,
        "--min-run", "1", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {s["tenant"] for s in json.loads(done.stdout)["right_sizing"]} == {"edu"}


def test_the_table_names_zones_and_suggestions(history: History) -> None:
    done = govcloud("forecast", "--inventory", str(history.inventory), "--prometheus", history.url, *USAGE)
    assert done.returncode == 0, done.stderr
    for word in ("az1", "physical capacity", "Right-sizing", "edu", "transport"):
        assert word in done.stdout
