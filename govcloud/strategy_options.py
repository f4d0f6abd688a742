"""Choosing a planner on the command line: ``--strategy`` (``--exact``) and ``--time-limit``.

Every command that plans or re-plans (rebalance, serve, metrics, and the applier's re-planning) builds
its planner here, from the same options.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from govcloud.sources import source_kind
from scheduler.planning import exact
from scheduler.planning.rebalance import Planner, planner
from scheduler.planning.strategy import DEFAULT, STRATEGIES


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def add_strategy_arguments(parser: argparse.ArgumentParser) -> None:
    """``--strategy NAME`` (and ``--exact``, its shorthand for the MILP) and ``--time-limit``."""
    parser.add_argument(
        "--strategy",
        choices=sorted(STRATEGIES),
        default=DEFAULT,
        help=f"planning strategy (default {DEFAULT}; exact: a MILP with HiGHS, small/medium inventories)",
    )
    parser.add_argument(
        "--exact",
        dest="strategy",
        action="store_const",
        const=exact.NAME,
        help="shorthand for --strategy exact",
    )
    parser.add_argument(
        "--time-limit", type=positive_float, default=10.0, metavar="S", help="seconds to plan (default 10)"
    )


def planner_from_args(
    args: argparse.Namespace, usage: Mapping[str, Mapping[str, float]] | None = None
) -> Planner:
    """The one planner the options name (every command that plans or re-plans builds it here)."""
    return planner(args.strategy, args.time_limit, usage, hosts=hosts_movable(args))


def hosts_movable(args: argparse.Namespace) -> bool:
    """Whether the source's executor puts a workload on the planned host (not on Kubernetes, where
    the kube-scheduler picks the node inside the planned zone: host balancing is off there)."""
    return source_kind(args) != "kubernetes"
