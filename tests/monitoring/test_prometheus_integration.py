"""A real Prometheus scrapes `govcloud serve`, evaluates the shipped rules and raises the expected alerts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.tenant_metrics import TenantFigures, tenant_figures
from monitoring.zone_metrics import ZoneFigures, zone_figures
from scheduler.model.imbalance import zone_utilization
from scheduler.model.inventory_file import load_inventory
from tests.monitoring.conftest import ROOT, RULES, free_port

pytestmark = pytest.mark.prometheus

DEADLINE = 90.0


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.stderr.read() if proc.stderr else ""


@pytest.fixture
def govcloud_serve(dev_inventory: Path, tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "govcloud",
            "serve",
            "--inventory",
            str(dev_inventory),
            "--listen",
            f"127.0.0.1:{port}",
            "--interval",
            "2s",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=log,
        text=True,
    )
    yield port
    _stop(proc)
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()


@pytest.fixture
def prometheus(govcloud_serve: int, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus is missing: run `make prometheus` (installs Debian's prometheus package)"
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in sorted(RULES.glob("*.yml"))],
        "scrape_configs": [
            {"job_name": "govcloud", "static_configs": [{"targets": [f"127.0.0.1:{govcloud_serve}"]}]}
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = (tmp_path / "prometheus.log").open("w+")
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=log,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


def _api(base: str, path: str, **params: str) -> Any:
    url = f"{base}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.load(response)
    except (urllib.error.URLError, ConnectionError):
        return None
    return body["data"] if body.get("status") == "success" else None


def _eventually(what: str, probe: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what}: not seen within {DEADLINE}s")


def _query(base: str, expr: str) -> dict[frozenset, float]:
    data = _api(base, "query", query=expr)
    if not data:
        return {}
    return {
        frozenset((k, v) for k, v in r["metric"].items() if k not in {"job", "instance"}): float(
            r["value"][1]
        )
        for r in data["result"]
    }


def _expected_alerts(figures: ZoneFigures, tenants: TenantFigures) -> set[str]:
    """The alerts whose conditions hold for a static inventory (all have a `for`, so they show as pending)."""
    expected = set()
    utilization = [row.utilization for row in figures.resources if row.utilization is not None]
    if max(utilization) > 0.85:
        expected.add("GovcloudZoneUtilizationHigh")
    if max(utilization) > 0.95:
        expected.add("GovcloudZoneUtilizationCritical")
    if max(figures.spreads.values()) > 0.2:
        expected.add("GovcloudZoneImbalanceHigh")
    if any(row.failover_spare < row.allocated for row in figures.resources):
        expected.add("GovcloudZoneFailoverOverflow")
    if any(row.limit and row.usage / row.limit > 0.9 for row in tenants.resources):
        expected.add("GovcloudTenantQuotaNearlyFull")
    return expected


def test_prometheus_scrapes_records_and_alerts(prometheus: str, dev_inventory: Path) -> None:
    base = prometheus
    inv = load_inventory(dev_inventory)
    figures = zone_figures(inv)

    exported = _eventually("exported utilization", lambda: _query(base, "govcloud_zone_utilization_ratio"))
    assert exported == {
        frozenset({("__name__", "govcloud_zone_utilization_ratio"), ("zone", z), ("resource", r)}): v
        for z, row in zone_utilization(inv).items()
        for r, v in row.items()
    }

    hottest = _eventually(
        "recorded hottest resource", lambda: _query(base, "zone:govcloud_zone_utilization_ratio:max")
    )
    assert hottest == {
        frozenset({("__name__", "zone:govcloud_zone_utilization_ratio:max"), ("zone", z)}): max(row.values())
        for z, row in zone_utilization(inv).items()
        if row
    }

    n1 = _eventually(
        "recorded N+1 headroom", lambda: _query(base, "zone_resource:govcloud_zone_failover_headroom:free")
    )
    assert n1 == {
        frozenset(
            {
                ("__name__", "zone_resource:govcloud_zone_failover_headroom:free"),
                ("zone", row.zone),
                ("region", row.region),
                ("resource", row.resource),
                ("unit", row.unit),
            }
        ): pytest.approx(row.failover_spare - row.allocated)
        for row in figures.resources
    }

    def alerts() -> set[str]:
        data = _api(base, "alerts")
        return {a["labels"]["alertname"] for a in data["alerts"]} if data else set()

    expected = _expected_alerts(figures, tenant_figures(inv))
    assert "GovcloudZoneImbalanceHigh" in expected, "the dev inventory is meant to be unbalanced"
    _eventually(f"alerts {sorted(expected)} (pending or firing)", lambda: expected <= alerts())
    # Nothing else: the loop is healthy and allocations are flat.
    assert alerts() == expected

    runs = _eventually(
        "loop runs counted", lambda: _query(base, 'govcloud_rebalancer_runs_total{outcome="ok"} > 0')
    )
    assert runs
