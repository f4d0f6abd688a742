"""``govcloud inventory --openstack|--kubernetes``: export the live inventory (docs/contracts.md)."""

from __future__ import annotations

import argparse
import sys

from govcloud.applying import SOURCE_ERRORS, source_error
from govcloud.console import print_json
from govcloud.exit_codes import ExitCode
from govcloud.sources import add_source_arguments, source_from_args
from scheduler.model.inventory_file import inventory_to_dict, write_inventory_yaml


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inventory",
        help="export the current inventory (zones, hosts, tenants, workloads)",
        description=(
            "Read the inventory from a live cloud (or a file) and print it in the inventory file format, "
            "ready for `govcloud rebalance --inventory`. Exit 0, or 2 when the source cannot be read."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of YAML")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        inventory = source_from_args(args).load()
    except SOURCE_ERRORS as error:
        return source_error(error)
    if args.json:
        print_json(inventory_to_dict(inventory))
    else:
        write_inventory_yaml(inventory, sys.stdout)
    return ExitCode.OK
