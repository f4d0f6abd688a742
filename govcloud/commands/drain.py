"""``govcloud drain --inventory FILE --zone Z``: empty a zone onto the others, or say what cannot fit."""

from __future__ import annotations

import argparse

from govcloud.console import bad_input, make_console, print_json
from govcloud.exit_codes import ExitCode
from govcloud.views.plan import render_drain
from scheduler.model.inventory_file import InventoryError, load_inventory
from scheduler.planning.drain import drain


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "drain",
        help="plan moves that empty a zone, or report what cannot fit",
        description=(
            "Plan safe moves that empty zone Z onto the other zones (maintenance, a failing data centre; "
            "or: can we lose Z?). Exit 0 with a plan, 1 when the zone cannot be emptied (the report says "
            "what cannot fit and why, per tenant and resource), 2 for bad input."
        ),
    )
    parser.add_argument("--inventory", required=True, metavar="FILE", help="inventory file (YAML or JSON)")
    parser.add_argument("--zone", required=True, metavar="Z", help="the zone to empty")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        inv = load_inventory(args.inventory)
    except InventoryError as error:
        return bad_input(error.problems)
    zones = [z.name for z in inv.zones]
    if args.zone not in zones:
        return bad_input(
            [f"{args.inventory}: --zone: unknown zone {args.zone!r} (zones: {', '.join(zones)})"]
        )
    result = drain(inv, args.zone)
    if args.json:
        print_json(result.to_json())
    else:
        render_drain(make_console(), result, args.inventory)
    return ExitCode.OK if result.feasible else ExitCode.FINDINGS
