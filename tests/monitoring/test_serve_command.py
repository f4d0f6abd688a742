"""``govcloud serve`` as a process: serves, survives bad refreshes, stops on signals, rejects bad input."""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from govcloud.durations import parse_duration
from tests.cli.process import started
from tests.monitoring.conftest import free_port, govcloud
from tests.monitoring.scrape import DEADLINE, wait_for


@pytest.fixture
def inventory_file(tmp_path: Path, test_inventory: Path) -> Path:
    path = tmp_path / "inventory.yaml"
    shutil.copy(test_inventory, path)
    return path


@pytest.fixture
def serving(inventory_file: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    listen = f"127.0.0.1:{port}"
    with started(
        "serve", "--inventory", str(inventory_file), "--listen", listen, "--interval", "200ms"
    ) as proc:
        yield proc, port


def _ok_runs(samples: dict) -> float:
    return samples.get(("govcloud_rebalancer_runs_total", frozenset({("outcome", "ok")})), 0)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serves_metrics_and_stops_cleanly(serving, sig: signal.Signals) -> None:
    proc, port = serving
    samples = wait_for(port, proc, lambda s: _ok_runs(s) >= 2)
    assert (
        samples[("govcloud_zone_utilization_ratio", frozenset({("zone", "zone-a"), ("resource", "cpu")}))]
        == 0.875
    )
    assert samples[("govcloud_rebalancer_interval_seconds", frozenset())] == 0.2
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_a_broken_inventory_keeps_the_last_metrics_and_counts_errors(serving, inventory_file: Path) -> None:
    proc, port = serving
    wait_for(port, proc, lambda s: _ok_runs(s) >= 1)
    inventory_file.write_text("zones: not-a-list\n")
    samples = wait_for(
        port, proc, lambda s: s.get(("govcloud_rebalancer_refresh_errors_total", frozenset()), 0) >= 2
    )
    assert (
        samples[("govcloud_zone_utilization_ratio", frozenset({("zone", "zone-a"), ("resource", "cpu")}))]
        == 0.875
    )
    shutil.copy(Path(__file__).parent / "inventory.yaml", inventory_file)
    before = _ok_runs(samples)
    wait_for(port, proc, lambda s: _ok_runs(s) > before)
    proc.terminate()
    _, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0
    assert "inventory refresh" in err and "zones" in err and "Traceback" not in err


def test_a_taken_port_exits_2(test_inventory: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = govcloud("serve", "--inventory", str(test_inventory), "--listen", f"127.0.0.1:{port}")
    assert result.returncode == 2
    assert f"127.0.0.1:{port}: the port is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_apply_with_an_inventory_file_exits_2(test_inventory: Path) -> None:
    result = govcloud("serve", "--inventory", str(test_inventory), "--apply")
    assert result.returncode == 2
    assert "--apply needs a live source" in result.stderr


def test_a_missing_inventory_exits_2(tmp_path: Path) -> None:
    result = govcloud("serve", "--inventory", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "nope.yaml: no such file" in result.stderr


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--interval", "soon"), ("--interval", "0s"), ("--listen", "9464"), ("--max-moves", "-1")],
)
def test_bad_options_exit_2(test_inventory: Path, flag: str, value: str) -> None:
    result = govcloud("serve", "--inventory", str(test_inventory), flag, value)
    assert result.returncode == 2
    assert value in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60s", 60), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("250ms", 0.25), ("1.5s", 1.5)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["60", "5 m", "m", "1x", "-5s", "0m", ""])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)
