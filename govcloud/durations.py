"""Durations on the command line: ``30s``, ``5m``, ``1h30m``, ``30d`` -> seconds."""

from __future__ import annotations

import argparse
import re

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """``60s``, ``5m``, ``1h``, ``1h30m``, ``500ms`` -> seconds (> 0); argparse reports a ValueError."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a duration like 30s, 5m, 1h or 1h30m")
    seconds = sum(float(n) * _SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the duration must be more than zero")
    return seconds


MAX_INTERVAL = 30 * 86400.0
"""The longest loop interval (beyond it the wait would overflow the platform's timeout)."""


def parse_interval(text: str) -> float:
    """A loop interval: a duration of at most 30 days."""
    seconds = parse_duration(text)
    if seconds > MAX_INTERVAL:
        raise argparse.ArgumentTypeError(f"{text!r}: the interval must be at most 30d")
    return seconds
