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
from conftest import ROOT, RULES, free_port

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
def govcloud_serve(test_inventory: Path, tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "govcloud",
            "serve",
            "--inventory",
            str(test_inventory),
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


def test_prometheus_scrapes_records_and_alerts(prometheus: str) -> None:
    base = prometheus
    util = _eventually("exported utilization", lambda: _query(base, "govcloud_zone_utilization_ratio"))
    assert (
        util[
            frozenset(
                {("zone", "zone-a"), ("resource", "cpu"), ("__name__", "govcloud_zone_utilization_ratio")}
            )
        ]
        == 0.875
    )

    hottest = _eventually(
        "recorded hottest resource", lambda: _query(base, "zone:govcloud_zone_utilization_ratio:max")
    )
    assert (
        hottest[frozenset({("__name__", "zone:govcloud_zone_utilization_ratio:max"), ("zone", "zone-a")})]
        == 0.875
    )

    n1 = _eventually(
        "recorded N+1 headroom",
        lambda: _query(base, 'zone_resource:govcloud_zone_failover_headroom:free{resource="cpu"}'),
    )
    # zone-a fails: the others have 60 + 23 cpu of room for its 56.
    assert (
        n1[
            frozenset(
                {
                    ("__name__", "zone_resource:govcloud_zone_failover_headroom:free"),
                    ("zone", "zone-a"),
                    ("region", "shenyang"),
                    ("resource", "cpu"),
                    ("unit", "core"),
                }
            )
        ]
        == 83 - 56
    )

    quota = _eventually(
        "recorded quota usage", lambda: _query(base, "tenant_zone_resource:govcloud_tenant_quota_usage:ratio")
    )
    assert max(quota.values()) == pytest.approx(56 / 60)

    def alerts() -> set[str]:
        data = _api(base, "alerts")
        return {a["labels"]["alertname"] for a in data["alerts"]} if data else set()

    expected = {"GovcloudZoneImbalanceHigh", "GovcloudZoneUtilizationHigh", "GovcloudTenantQuotaNearlyFull"}
    seen = _eventually("expected alerts (pending or firing)", lambda: expected <= alerts() and alerts())
    # The healthy parts of the cloud raise nothing else.
    assert seen == expected

    runs = _eventually(
        "loop runs counted", lambda: _query(base, 'govcloud_rebalancer_runs_total{outcome="ok"} > 0')
    )
    assert runs
