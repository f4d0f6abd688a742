"""``govcloud serve --prometheus URL``: the capacity forecast as metrics, next to the loop's."""

from __future__ import annotations

import json

import pytest

from tests.capacity import world
from tests.capacity.conftest import History
from tests.cli.process import started
from tests.monitoring.conftest import free_port, govcloud
from tests.monitoring.scrape import wait_for

pytestmark = pytest.mark.prometheus

USAGE = ("--rate-window", "15m")  # the synthetic history is sampled every 5 minutes


def _key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


def test_serve_exports_the_forecast(history: History) -> None:
    port = free_port()
    done = govcloud(
        "forecast", "--inventory", str(history.inventory), "--prometheus", history.url, *USAGE, "--json"
    )
    document = json.loads(done.stdout)
    with started(
        "serve", "--inventory", str(history.inventory), "--listen", f"127.0.0.1:{port}", "--interval", "1s",
        "--prometheus", history.url, *USAGE,
    ) as proc:  # fmt: skip
        expected = _key(
            "govcloud_capacity_zone_days_until_full", zone="az1", resource="cpu", bound="expected"
        )
        samples = wait_for(port, proc, lambda s: expected in s)
        proc.terminate()
        proc.communicate(timeout=30)
    az1 = next(r for r in document["zones"]["az1"] if r["resource"] == "cpu")
    assert samples[expected] == pytest.approx(az1["days_until_limit"]["expected"], abs=0.5)
    # a flat zone never runs full: no series rather than a made-up number
    assert (
        _key("govcloud_capacity_zone_days_until_full", zone="az3", resource="cpu", bound="expected")
        not in samples
    )
    # right-sizing, in base units (memory in bytes)
    suggested = {
        dict(labels)["tenant"]
        for (name, labels) in samples
        if name == "govcloud_capacity_right_size_suggested_quota"
    }
    assert suggested == world.UNDER_USING
    edu_memory = _key(
        "govcloud_capacity_right_size_suggested_quota", tenant="edu", resource="memory_gib", unit="byte"
    )
    assert samples[edu_memory] == 48 * 2**30
    assert samples[_key("govcloud_capacity_forecast_errors_total")] == 0
    # the loop's own metrics are still there
    assert any(name == "govcloud_zone_utilization_ratio" for name, _ in samples)
