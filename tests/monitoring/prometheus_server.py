"""A real Prometheus for the tests: started on a free port with given targets and rule files, and its HTTP API.

Debian's ``prometheus`` (``make prometheus``) scrapes and evaluates every second, so a rule's ``for:``
is the only wait a test adds.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_prometheus(targets: list[str], rule_files: list[Path], directory: Path) -> Iterator[str]:
    """Prometheus scraping ``targets`` (HOST:PORT) with ``rule_files``; yields its base URL.

    Its configuration, data and log live in ``directory``; stopped (and reaped) on leaving the block.
    """
    binary = shutil.which("prometheus")
    assert binary, "prometheus is missing: run `make prometheus` (installs Debian's prometheus package)"
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [{"job_name": "govcloud", "static_configs": [{"targets": targets}]}],
    }
    (directory / "prometheus.yml").write_text(yaml.safe_dump(config))
    with (directory / "prometheus.log").open("w") as log:
        proc = subprocess.Popen(
            [
                binary,
                f"--config.file={directory / 'prometheus.yml'}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=log,
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def api(base: str, path: str, **params: str) -> Any:
    """The ``data`` of ``GET BASE/api/v1/PATH?PARAMS``; None while Prometheus does not answer or fails."""
    url = f"{base}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.load(response)
    except (urllib.error.URLError, ConnectionError):
        return None
    return body["data"] if body.get("status") == "success" else None


def active_alerts(base: str, name: str) -> list[dict[str, Any]] | None:
    """The pending and firing alerts called ``name`` (labels, state, value); None when nothing answers."""
    data = api(base, "alerts")
    if data is None:
        return None
    return [alert for alert in data["alerts"] if alert["labels"].get("alertname") == name]


def instant(base: str, expr: str, label: str) -> dict[str, float] | None:
    """``expr`` evaluated now, one value per value of ``label``; None when nothing answers."""
    data = api(base, "query", query=expr)
    if data is None:
        return None
    return {row["metric"].get(label, ""): float(row["value"][1]) for row in data["result"]}
