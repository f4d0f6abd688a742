"""``govcloud rebalance --inventory FILE``: plan safe moves that even out zone utilization."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from govcloud.applying import (
    SOURCE_ERRORS,
    add_apply_arguments,
    apply_from_args,
    exit_code,
    resumable_plan,
    source_error,
)
from govcloud.console import bad_input, make_console, print_json
from govcloud.sources import add_source_arguments, source_from_args, source_kind
from govcloud.strategy_options import add_strategy_arguments, hosts_movable, planner_from_args
from govcloud.usage_options import PrometheusError, add_usage_arguments, usage_history, usage_percentiles
from govcloud.views.apply import render_apply
from govcloud.views.plan import render_plan
from scheduler.planning.rebalance import rebalance


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rebalance",
        help="plan safe moves that even out zone utilization",
        description=(
            "Read an inventory (zones, hosts, tenants, workloads; see docs/inventory.md) and print a plan "
            "of moves that lowers the zone imbalance without breaking host capacity, tenant quotas, "
            "residency, pinning, cordons or replica groups at any step. Exit 0 with a plan (possibly "
            "empty, with the reason), 2 for bad input."
        ),
    )
    add_source_arguments(parser)
    add_apply_arguments(parser)
    add_strategy_arguments(parser)
    parser.add_argument(
        "--by",
        choices=("requests", "usage"),
        default="requests",
        help=(
            "what to balance: requests over capacity (default), or usage measured by Prometheus over "
            "physical capacity (needs --prometheus); capacity and quotas hold on requests either way"
        ),
    )
    add_usage_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the plan as JSON (docs/contracts.md)")
    parser.set_defaults(func=run)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[float], None] | None]:
    """A progress bar on stderr when it is a terminal (a callback taking 0..1), else None."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn(label), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn())
    with Progress(*columns, console=make_console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=1.0)
        yield lambda fraction: progress.update(task, completed=fraction)


def run(args: argparse.Namespace) -> int:
    usage = None
    if args.by == "usage":
        if not args.prometheus:
            return bad_input(["--by usage needs --prometheus URL (the usage history)"])
        if args.strategy != "heuristic":
            return bad_input([f"--by usage plans with the heuristic strategy, not {args.strategy}"])
        try:
            usage = usage_percentiles(args, usage_history(args))
        except (PrometheusError, ValueError, OSError) as error:
            return bad_input([str(error)])
    try:
        source = source_from_args(args)
        plan = resumable_plan(args)
        if plan is None:
            inv = source.load()
            with progress_bar("planning") as progress:
                plan = rebalance(
                    inv,
                    strategy=args.strategy,
                    max_moves=args.max_moves,
                    time_limit=args.time_limit,
                    progress=progress,
                    usage=usage,
                    hosts=hosts_movable(args),
                )
        replanner = planner_from_args(args, usage)
        report = apply_from_args(args, source, plan, replanner)
    except SOURCE_ERRORS as error:
        return source_error(error)
    if args.json:
        out = plan.to_json() if report is None else {**plan.to_json(), "apply": report.to_json()}
        print_json(out)
    else:
        render_plan(make_console(), plan, args.inventory or source_kind(args))
        if report is not None:
            render_apply(make_console(), report)
    return exit_code(report)
