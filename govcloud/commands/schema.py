"""``govcloud schema``: print the JSON Schema of stack files (or of inventories)."""

from __future__ import annotations

import argparse
import sys

from govcloud.exit_codes import ExitCode
from stacks.schema import stack_schema_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of stack files",
        description="Print the JSON Schema of stack files, for editors and CI validation.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(stack_schema_json())
    return ExitCode.OK
