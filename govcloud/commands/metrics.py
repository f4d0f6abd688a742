"""``govcloud metrics``: one Prometheus exposition snapshot of an inventory and its plan."""

from __future__ import annotations

import argparse
import sys

from govcloud import __version__
from govcloud.applying import move_count
from govcloud.console import bad_input
from govcloud.exit_codes import ExitCode
from monitoring.collector import build_exporter
from scheduler.apply.loop import RebalanceLoop
from scheduler.model.inventory import Inventory
from scheduler.model.inventory_file import InventoryError, load_inventory
from scheduler.planning.rebalance import planner


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "metrics",
        help="print the exporter's metrics for an inventory once",
        description=(
            "Refresh and plan once, as `govcloud serve` does on each iteration, and print the metrics in "
            "the Prometheus text format (for node_exporter's textfile collector or a quick look). "
            "Exit 2 when the inventory is invalid, 1 when planning failed."
        ),
    )
    parser.add_argument("--inventory", metavar="FILE", required=True, help="inventory file (YAML or JSON)")
    parser.add_argument(
        "--max-moves", metavar="N", type=move_count, default=None, help="at most N moves per plan"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        inventory = load_inventory(args.inventory)
    except InventoryError as error:
        return bad_input(error.problems)
    exporter = build_exporter(__version__)
    loop = RebalanceLoop(_Loaded(inventory), planner(), exporter.observer, max_moves=args.max_moves)
    ok = loop.run_once()
    sys.stdout.write(exporter.body.text().decode())
    return ExitCode.OK if ok else ExitCode.FINDINGS


class _Loaded:
    """An inventory source that returns the inventory already read and checked."""

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory

    def load(self) -> Inventory:
        return self._inventory
