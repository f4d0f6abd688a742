"""``govcloud policy-config --stack FILE``: the policy pack config the stack implies, as JSON."""

from __future__ import annotations

import argparse

from govcloud.console import print_json
from govcloud.exit_codes import ExitCode
from stacks import load_stack


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "policy-config",
        help="print the policy pack config a stack implies",
        description=(
            "Print the config of the govcloud policy pack that a stack file implies (its regions' "
            "allocatable capacity, the replica counts and encrypted levels it demands), for "
            "`pulumi preview --policy-pack policies --policy-pack-config FILE`. `govcloud preview` "
            "uses the same config. Exit 0, or 2 when the stack is invalid."
        ),
    )
    parser.add_argument("--stack", metavar="FILE", required=True, help="the stack file, e.g. stacks/dev.yaml")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the policy pack brings in Pulumi's policy SDK (about 1 s), which other commands skip.
    from policies.stack_config import pack_config

    print_json(pack_config(load_stack(args.stack).spec))
    return ExitCode.OK
