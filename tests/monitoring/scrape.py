"""Scraping a running ``govcloud serve`` from the tests: parse /metrics, poll until a condition holds."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

DEADLINE = 30.0


def scrape(port: int) -> Samples | None:
    """Every sample at http://127.0.0.1:PORT/metrics by (name, labels); None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def wait_for(port: int, proc: subprocess.Popen, predicate: Callable[[Samples], bool]) -> Samples:
    """Scrape until ``predicate`` holds (the process must stay up); fail after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    samples = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        samples = scrape(port)
        if samples is not None and predicate(samples):
            return samples
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {DEADLINE}s; last scrape: {samples}")
