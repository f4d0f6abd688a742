"""A real Prometheus holding 30 days of the synthetic world's usage (tests/capacity/world.py).

Once per session: the history is written as OpenMetrics text, turned into TSDB blocks by
``promtool tsdb create-blocks-from openmetrics`` and served by ``prometheus`` on a free loopback port.
The history ends ten minutes before now, so every block lies within the (ten-year) retention. Anything
that goes wrong fails the tests with the tail of the tool's log; nothing here skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from scheduler.model.inventory_file import inventory_to_dict
from tests.capacity import world
from tests.monitoring.conftest import free_port

READY_WITHIN = 120.0


@dataclass(frozen=True)
class History:
    """The running Prometheus (``url``), the history's time span and the inventory file of its world."""

    url: str
    start: float
    end: float
    inventory: Path


def _tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _tool(binary: str) -> str:
    found = shutil.which(binary)
    if not found:
        pytest.fail(f"{binary} is missing: run `make prometheus` (installs Debian's prometheus package)")
    return found


def _query(url: str, expr: str) -> list:
    with urllib.request.urlopen(
        f"{url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}", timeout=5
    ) as r:
        return json.load(r)["data"]["result"]


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    base = tmp_path_factory.mktemp("usage-history")
    end = (time.time() // world.SCRAPE) * world.SCRAPE - 600
    source = base / "history.om.txt"
    start = world.write_openmetrics(source, end)
    data = base / "data"
    log = base / "promtool.log"
    with log.open("w") as out:
        done = subprocess.run(
            [
                _tool("promtool"),
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                "--max-block-duration=800h",
                str(source),
                str(data),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=600,
            check=False,
        )
    if done.returncode != 0:
        pytest.fail(f"promtool could not backfill the history (exit {done.returncode}):\n{_tail(log)}")
    source.unlink()

    (base / "prometheus.yml").write_text(yaml.safe_dump({"global": {"scrape_interval": "1m"}}))
    inventory = base / "inventory.yaml"
    inventory.write_text(yaml.safe_dump(inventory_to_dict(world.inventory()), sort_keys=False))
    port = free_port()
    plog = base / "prometheus.log"
    with plog.open("w") as out:
        proc = subprocess.Popen(
            [
                _tool("prometheus"),
                f"--config.file={base / 'prometheus.yml'}",
                f"--storage.tsdb.path={data}",
                "--storage.tsdb.retention.time=3650d",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_WITHIN
        while True:
            if proc.poll() is not None:
                pytest.fail(f"prometheus exited with {proc.returncode}:\n{_tail(plog)}")
            try:
                # the oldest backfilled sample must be there: the blocks are loaded and within retention
                if _query(url, f"count(node_memory_MemTotal_bytes @ {start + 3600:.0f})"):
                    break
            except (urllib.error.URLError, OSError, KeyError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"prometheus did not serve the history within {READY_WITHIN}s:\n{_tail(plog)}")
            time.sleep(0.5)
        yield History(url, start, end, inventory)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
