"""The Prometheus usage source reads the synthetic history back: percentiles as generated, spikes filtered."""

from __future__ import annotations

import numpy as np
import pytest

from scheduler.adapters.prometheus.api import HttpPrometheus, PrometheusError
from scheduler.adapters.prometheus.usage import PrometheusUsageSource
from scheduler.model.usage_history import UsageHistory
from scheduler.model.usage_stats import usage_percentile
from tests.capacity import world
from tests.capacity.conftest import History

pytestmark = pytest.mark.prometheus

STEP = 1800.0  # 30 minutes: a one-hour spike covers at most 3 samples
MIN_RUN = 4  # so it is filtered; a weekly cycle is not


@pytest.fixture(scope="module")
def usage(history: History) -> UsageHistory:
    source = PrometheusUsageSource(HttpPrometheus(history.url), rate_window="15m")
    return source.history(history.start + STEP, history.end, STEP)


def _truth(usage: UsageHistory, workload: str) -> np.ndarray:
    # rate() over 15 minutes averages the 5-minute samples before each point
    days = (usage.times - world.SCRAPE - (usage.times[0] - STEP)) / world.DAY
    return world.cpu(workload, days)


def test_every_workload_and_host_is_read(usage: UsageHistory) -> None:
    assert set(usage.workloads) == set(world.PLACEMENT)
    assert set(usage.hosts) == {f"{z}-h{i}" for z in world.ZONES for i in (1, 2)}
    for row in (*usage.workloads.values(), *usage.hosts.values()):
        assert set(row) == {"cpu", "memory_gib"}
        assert np.isnan(row["cpu"]).sum() == 0


def test_percentiles_are_the_generated_ones(usage: UsageHistory) -> None:
    p95 = usage.percentiles("workloads", 95, MIN_RUN)
    for workload in world.PLACEMENT:
        expected = usage_percentile(_truth(usage, workload), 95, MIN_RUN)
        assert p95[workload]["cpu"] == pytest.approx(expected, rel=0.01), workload
        assert p95[workload]["memory_gib"] == pytest.approx(2 * expected, rel=0.01), workload
    hosts = usage.percentiles("hosts", 50, MIN_RUN)
    days = (usage.times - usage.times[0] + STEP) / world.DAY
    for host, row in hosts.items():
        expected = float(np.median(world.host_cpu(host, days, spikes=False)))
        assert row["cpu"] == pytest.approx(expected, rel=0.01), host


def test_short_spikes_do_not_count(usage: UsageHistory) -> None:
    spiky = {name for name, *_ in world.SPIKES}
    raw = usage.percentiles("workloads", 100, 1)
    filtered = usage.percentiles("workloads", 100, MIN_RUN)
    for workload in world.PLACEMENT:
        days = (usage.times - usage.times[0] + STEP) / world.DAY
        calm_peak = float(world.smooth_cpu(workload, days).max())
        assert filtered[workload]["cpu"] == pytest.approx(calm_peak, rel=0.02), workload
        if workload in spiky:
            assert raw[workload]["cpu"] > calm_peak + 5, f"{workload}: the spike is in the data"
        else:
            assert raw[workload]["cpu"] == pytest.approx(calm_peak, rel=0.02), workload


def test_an_unreachable_server_is_a_clear_error() -> None:
    from tests.monitoring.conftest import free_port

    source = PrometheusUsageSource(HttpPrometheus(f"http://127.0.0.1:{free_port()}", timeout=2))
    with pytest.raises(PrometheusError, match="cannot query Prometheus"):
        source.history(0, 3600, 60)


def test_queries_from_a_file(history: History, tmp_path) -> None:
    from scheduler.adapters.prometheus.usage import PROFILES, load_queries

    path = tmp_path / "usage.yaml"
    path.write_text(
        "workloads:\n  cpu: '" + PROFILES["cadvisor"].workloads["cpu"].replace("'", "''") + "'\nhosts: {}\n"
    )
    queries = load_queries(path)
    read = PrometheusUsageSource(HttpPrometheus(history.url), queries, rate_window="15m").history(
        history.end - 86400, history.end, STEP
    )
    assert set(read.workloads) == set(world.PLACEMENT) and read.hosts == {}
    assert all(set(row) == {"cpu"} for row in read.workloads.values())
    path.write_text("workloads: [cpu]\n")
    with pytest.raises(ValueError, match="workloads"):
        load_queries(path)


def test_a_query_prometheus_refuses_is_a_clear_error(history: History) -> None:
    from scheduler.adapters.prometheus.usage import UsageQueries

    broken = UsageQueries(workloads={"cpu": "sum by (workload) (rate(x[5m]"}, hosts={})
    with pytest.raises(PrometheusError, match="refused"):
        PrometheusUsageSource(HttpPrometheus(history.url), broken).history(
            history.end - 3600, history.end, 60
        )
