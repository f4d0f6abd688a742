"""Reading measured usage from Prometheus on the command line: shared by rebalance, forecast and report.

``--prometheus URL`` names the server; ``--usage-profile`` picks shipped queries (cadvisor, libvirt;
hosts from node-exporter) and ``--usage-queries FILE`` replaces them; ``--window`` (default 30d) and
``--step`` (default 30m) lay the history's time grid ending now; ``--percentile`` (default 95) and
``--min-run`` (default 4 samples) turn each workload's history into one number, ignoring spikes
shorter than ``--min-run`` samples.
"""

from __future__ import annotations

import argparse
import time

from govcloud.durations import parse_duration
from monitoring.capacity import CapacityForecast, forecast
from scheduler.adapters.prometheus.api import HttpPrometheus, PrometheusError
from scheduler.adapters.prometheus.usage import PROFILES, PrometheusUsageSource, load_queries
from scheduler.model.inventory import Inventory
from scheduler.model.usage_history import UsageHistory

__all__ = [
    "PrometheusError",
    "add_forecast_settings",
    "add_usage_arguments",
    "forecast_of",
    "usage_history",
    "usage_percentiles",
]


def _percentile(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r}: a percentile is within 0..100")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= 1")
    return int(text)


def add_usage_arguments(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """``--prometheus URL`` and the options saying which queries, window and percentile to use."""
    parser.add_argument(
        "--prometheus", metavar="URL", required=required, help="Prometheus holding the usage history"
    )
    parser.add_argument(
        "--usage-profile",
        choices=sorted(PROFILES),
        default="cadvisor",
        help="shipped usage queries (default cadvisor; hosts from node-exporter)",
    )
    parser.add_argument("--usage-queries", metavar="FILE", help="YAML {workloads: {cpu: EXPR}, hosts: {...}}")
    parser.add_argument("--window", type=parse_duration, default=30 * 86400.0, help="history to read (30d)")
    parser.add_argument("--step", type=parse_duration, default=1800.0, help="sample spacing (30m)")
    parser.add_argument("--rate-window", default="5m", help="range of rate() in the queries (5m)")
    parser.add_argument("--percentile", type=_percentile, default=95.0, help="usage percentile (95)")
    parser.add_argument(
        "--min-run", type=_count, default=4, help="a spike shorter than this many samples is ignored (4)"
    )


def usage_history(args: argparse.Namespace) -> UsageHistory:
    """The usage history the options name, ending now; PrometheusError or ValueError when unreadable."""
    queries = load_queries(args.usage_queries) if args.usage_queries else PROFILES[args.usage_profile]
    source = PrometheusUsageSource(HttpPrometheus(args.prometheus), queries, rate_window=args.rate_window)
    end = time.time()
    return source.history(end - args.window, end, args.step)


def usage_percentiles(args: argparse.Namespace, history: UsageHistory) -> dict[str, dict[str, float]]:
    """workload -> resource -> its usage percentile over the window, short spikes ignored."""
    return history.percentiles("workloads", args.percentile, args.min_run)


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a fraction in (0, 1]")
    return value


def add_forecast_settings(parser: argparse.ArgumentParser) -> None:
    """``--level``, ``--right-size-below`` and ``--right-size-target`` (forecast, report, serve)."""
    parser.add_argument("--level", type=_fraction, default=0.95, help="prediction band level (0.95)")
    parser.add_argument(
        "--right-size-below",
        type=_fraction,
        default=0.5,
        help="suggest a smaller quota when usage stayed below this fraction of it all window (0.5)",
    )
    parser.add_argument(
        "--right-size-target",
        type=_fraction,
        default=0.8,
        help="the suggested quota puts peak usage at this fraction of it (0.8), never below requests",
    )


def forecast_of(args: argparse.Namespace, inv: Inventory) -> CapacityForecast:
    """The forecast of ``inv`` from the history the options name (PrometheusError, ValueError)."""
    return forecast(
        inv,
        usage_history(args),
        percentile=args.percentile,
        min_run=args.min_run,
        level=args.level,
        right_size_below=args.right_size_below,
        right_size_target=args.right_size_target,
    )
