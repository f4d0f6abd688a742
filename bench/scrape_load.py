"""Concurrent scrapes of a real ``govcloud serve`` on loopback: latency percentiles under load.

Used by ``python -m bench.scrape --concurrency N``: writes the benchmark inventory to a temporary
file, starts ``govcloud serve`` on a free loopback port, waits for the first full body, then runs N
threads that scrape /metrics (keep-alive connections, or a fresh connection per scrape) until the
total count or the time limit is reached. Every scrape is timed from sending the request to the last
byte of the body; a failed scrape (error or status other than 200) is counted, never timed.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from scheduler.model.inventory import Inventory
from scheduler.model.inventory_file import inventory_to_dict


@dataclass
class LoadResult:
    """Latencies in ms (sorted), failures, wall time and the body size of one load run."""

    latencies_ms: list[float]
    failures: int
    seconds: float
    body_bytes: int
    errors: list[str] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ms = self.latencies_ms
        return ms[min(len(ms) - 1, max(0, round(p / 100 * len(ms)) - 1))] if ms else float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(inv: Inventory, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``govcloud serve`` on ``inv`` at a free loopback port, planning once an hour."""
    path = workdir / "inventory.yaml"
    path.write_text(yaml.safe_dump(inventory_to_dict(inv), sort_keys=False), encoding="utf-8")
    port = free_port()
    argv = [sys.executable, "-m", "govcloud", "serve", "--inventory", str(path)]
    argv += ["--listen", f"127.0.0.1:{port}", "--interval", "1h"]
    log = (workdir / "serve.log").open("wb")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"govcloud serve exited {proc.returncode}: {(workdir / 'serve.log').read_text()}"
            )
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/metrics")
            body = conn.getresponse().read()
            conn.close()
            if b"govcloud_zone_utilization_ratio{" in body:
                return proc, port
        except OSError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("govcloud serve did not serve the inventory's metrics within 120 s")


def scrape_load(
    port: int, threads: int, count: int, seconds: float, keep_alive: bool, pause: float = 0.0
) -> LoadResult:
    """``threads`` scrapers share ``count`` scrapes, stopping at ``seconds`` whichever comes first.

    Each scraper waits ``pause`` seconds after each scrape (0: back to back, the server saturated).
    """
    lock = threading.Lock()
    remaining = [count]
    latencies: list[float] = []
    errors: list[str] = []
    sizes: list[int] = []
    start = threading.Barrier(threads + 1)
    deadline = [0.0]

    def take() -> bool:
        with lock:
            if remaining[0] <= 0 or time.monotonic() > deadline[0]:
                return False
            remaining[0] -= 1
            return True

    def scraper() -> None:
        conn: http.client.HTTPConnection | None = None
        mine: list[float] = []
        start.wait()
        while take():
            if conn is None or not keep_alive:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            began = time.perf_counter()
            try:
                conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    raise OSError(f"status {response.status}")
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                conn.close()
                conn = None
                continue
            mine.append((time.perf_counter() - began) * 1000)
            if pause:
                time.sleep(pause)
            if not keep_alive:
                conn.close()
            with lock:
                if not sizes:
                    sizes.append(len(body))
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=scraper, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    deadline[0] = time.monotonic() + seconds
    began = time.perf_counter()
    start.wait()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - began
    return LoadResult(sorted(latencies), len(errors), wall, sizes[0] if sizes else 0, errors[:5])


def run_load(
    inv: Inventory, threads: int, count: int, seconds: float, modes: tuple[bool, ...], pause: float = 0.0
) -> dict[str, LoadResult]:
    """Start ``govcloud serve`` on ``inv`` once and run one load per mode (True: keep-alive)."""
    with tempfile.TemporaryDirectory(prefix="govcloud-bench-") as tmp:
        proc, port = start_serve(inv, Path(tmp))
        try:
            return {
                ("keep-alive" if keep else "fresh connections"): scrape_load(
                    port, threads, count, seconds, keep, pause
                )
                for keep in modes
            }
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"
