"""``govcloud report --html``: one self-contained page whose figures match Prometheus, rendered by Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.capacity import world
from tests.capacity.conftest import History
from tests.monitoring.conftest import govcloud

pytestmark = pytest.mark.prometheus

USAGE = ("--rate-window", "15m")  # the synthetic history is sampled every 5 minutes


class _Cells(HTMLParser):
    """Every element with ``data-field``: (kind, name, resource, field) -> data-value (None when empty)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str, str, str], float | None] = {}
        self.tags: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        a = dict(attrs)
        self.links += [v for k, v in attrs if k in {"src", "href"} and v]
        if "data-field" in a:
            key = (
                a["data-kind"] or "",
                a["data-name"] or "",
                a["data-resource"] or "",
                a["data-field"] or "",
            )
            self.cells[key] = None if a.get("data-value") is None else float(a["data-value"] or 0)


@pytest.fixture(scope="module")
def page(history: History, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, _Cells]:
    out = tmp_path_factory.mktemp("report") / "capacity.html"
    done = govcloud(
        "report", "--inventory", str(history.inventory), "--prometheus", history.url, *USAGE,
        "--html", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    parser = _Cells()
    parser.feed(out.read_text(encoding="utf-8"))
    return out, parser


def _promql(url: str, expr: str) -> dict[str, float]:
    query = urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(f"{url}/api/v1/query?{query}", timeout=10) as response:
        body: Any = json.load(response)
    return {r["metric"].get("zone", ""): float(r["value"][1]) for r in body["data"]["result"]}


def test_the_page_is_self_contained(page: tuple[Path, _Cells]) -> None:
    path, cells = page
    assert "svg" in cells.tags and "script" not in cells.tags
    assert cells.links == []  # no stylesheet, image or font fetched from anywhere
    assert path.read_text(encoding="utf-8").count("<svg") >= 5  # 2 zone charts, 2 headroom, 1 quota


def test_zone_figures_match_prometheus(page: tuple[Path, _Cells], history: History) -> None:
    cells = page[1].cells
    # an independent reading: p95 of each zone's busy cores over the window, straight from PromQL
    by_zone = 'label_replace(rate(node_cpu_seconds_total{mode!="idle"}[15m]), "zone", "$1", "instance", "(az[0-9]+)-.*")'
    p95 = _promql(history.url, f"quantile_over_time(0.95, (sum by (zone) ({by_zone}))[30d:30m])")
    assert set(p95) == set(world.ZONES)
    for zone, value in p95.items():
        assert cells[("zone", zone, "cpu", "percentile")] == pytest.approx(value, rel=0.02), zone
        assert cells[("zone", zone, "cpu", "limit")] == 2 * world.HOST_CPU
    # the hot zone's forecast: the known trend reaches physical capacity inside the printed band
    base, per_day = world.zone_cpu_trend("az1")
    truth = (2 * world.HOST_CPU - base) / per_day - world.DAYS
    assert (
        cells[("zone", "az1", "cpu", "days-earliest")]
        <= truth
        <= cells[("zone", "az1", "cpu", "days-latest")]
    )
    assert cells[("zone", "az3", "cpu", "days-expected")] is None  # flat: never full


def test_tenant_and_right_sizing_figures(page: tuple[Path, _Cells], history: History) -> None:
    cells = page[1].cells
    done = govcloud(
        "forecast", "--inventory", str(history.inventory), "--prometheus", history.url, *USAGE, "--json"
    )
    document = json.loads(done.stdout)
    for tenant, rows in document["tenants"].items():
        for row in rows:
            key = ("tenant", tenant, row["resource"])
            assert cells[(*key, "limit")] == row["limit"]
            assert cells[(*key, "peak")] == pytest.approx(row["peak"], rel=0.01)
    named = {name for kind, name, _, _ in cells if kind == "right-size"}
    assert named == world.UNDER_USING
    spare = {zone: v for (kind, zone, res, _), v in cells.items() if kind == "failover" and res == "cpu"}
    assert spare == {z: pytest.approx(v["cpu"], rel=0.02, abs=0.2) for z, v in document["failover"].items()}
    # losing a zone: the other two zones' physical cores minus everything's p95 load
    load = sum(cells[("zone", z, "cpu", "percentile")] or 0.0 for z in world.ZONES)
    assert spare["az1"] == pytest.approx(2 * 2 * world.HOST_CPU - load, abs=0.01)


def test_chromium_renders_it(page: tuple[Path, _Cells], tmp_path: Path) -> None:
    path, _ = page
    browser = shutil.which("chromium")
    assert browser, "chromium is missing: `make chromium` (Debian's chromium package) renders the report"
    shot = Path(os.environ.get("GOVCLOUD_REPORT_SCREENSHOT", tmp_path / "report.png"))
    done = subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1050,2600",
            path.as_uri(),
        ],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1050, 2600)
    assert len(png) > 40_000, "a blank page compresses to almost nothing"
    assert re.search(rb"IDAT", png)
