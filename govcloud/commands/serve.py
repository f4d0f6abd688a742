"""``govcloud serve``: the long-running rebalancer loop with a Prometheus /metrics endpoint.

Sources and appliers plug in: :func:`serve` takes any ``InventorySource`` and an optional apply
callable, so live sources (``--kubernetes``, ``--openstack``) only have to build those two.
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import threading
from pathlib import Path

from rich.console import Console

from govcloud import __version__
from govcloud.exit_codes import ExitCode
from monitoring.collector import build_exporter
from monitoring.loop import ApplyFn, Planner, RebalanceLoop
from monitoring.server import ListenAddress, ListenError, parse_listen, serve_metrics
from scheduler.rebalance import rebalance
from scheduler.source import FileSource, InventorySource

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


def _listen(text: str) -> ListenAddress:
    try:
        return parse_listen(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def move_limit(text: str) -> int:
    """A ``--max-moves`` value: a whole number >= 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of moves >= 0")
    return int(text)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="refresh, plan (and apply) in a loop; serve Prometheus metrics",
        description=(
            "Refresh the inventory every interval, plan a rebalancing, apply it only with --apply, and "
            "serve the cloud's and the loop's metrics at /metrics. A failed refresh keeps the last good "
            "metrics and counts the error. Stops cleanly on SIGTERM or Ctrl-C. Exit 2 for bad input or "
            "when the address cannot be served."
        ),
    )
    # Live sources (--kubernetes, --openstack) join this group and build their own source and applier.
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--inventory", metavar="FILE", help="inventory file (YAML or JSON)")
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        type=_listen,
        default=ListenAddress("127.0.0.1", 9464),
        help="address for /metrics (default 127.0.0.1:9464; [::1]:9464 for IPv6)",
    )
    parser.add_argument(
        "--interval",
        metavar="DURATION",
        type=parse_duration,
        default=60.0,
        help="time between iterations, e.g. 30s, 5m, 1h (default 60s)",
    )
    parser.add_argument(
        "--max-moves", metavar="N", type=move_limit, default=None, help="at most N moves per plan"
    )
    parser.add_argument("--apply", action="store_true", help="apply each plan (live sources only)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    err = Console(stderr=True)
    if args.apply:
        err.print(
            "[bold red]error[/]: --apply needs a live source (--kubernetes or --openstack): workloads in an "
            f"inventory file ({args.inventory}) cannot be moved",
            highlight=False,
            soft_wrap=True,
        )
        return ExitCode.BAD_INPUT
    if not Path(args.inventory).is_file():
        err.print(f"[bold red]error[/]: {args.inventory}: no such file", highlight=False, soft_wrap=True)
        return ExitCode.BAD_INPUT
    return serve(
        FileSource(args.inventory),
        planner=make_planner(args.max_moves),
        listen=args.listen,
        interval=args.interval,
    )


def make_planner(max_moves: int | None) -> Planner:
    """The scheduler's rebalance with the command's limits."""
    return lambda inv: rebalance(inv, max_moves=max_moves)


def serve(
    source: InventorySource,
    *,
    planner: Planner,
    listen: ListenAddress,
    interval: float,
    apply: ApplyFn | None = None,
) -> int:
    """Run the loop on ``source`` and serve /metrics until SIGTERM or SIGINT; the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    err = Console(stderr=True)
    exporter = build_exporter(__version__)
    try:
        server = serve_metrics(exporter.body, listen)
    except ListenError as error:
        err.print(f"[bold red]error[/]: {error}", highlight=False, soft_wrap=True)
        return ExitCode.BAD_INPUT
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    mode = "planning and applying" if apply else "planning only"
    err.print(
        f"serving metrics on http://{listen}/metrics; {mode} every {interval:g}s from {source!r}",
        highlight=False,
        soft_wrap=True,
    )
    try:
        loop = RebalanceLoop(source, planner, exporter.holder, exporter.metrics, apply=apply)
        loop.run_forever(interval, stop)
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    err.print("stopped", highlight=False)
    return ExitCode.OK
