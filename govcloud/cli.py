"""The ``govcloud`` command line: parses arguments and dispatches to one subcommand module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from govcloud import __version__
from govcloud.commands import drain, inventory, rebalance, schema, validate
from govcloud.exit_codes import ExitCode
from stacks.problem import SpecError

COMMANDS = (validate, schema, rebalance, drain, inventory)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govcloud",
        description="Declare, check and rebalance a unified government cloud.",
    )
    parser.add_argument("--version", action="version", version=f"govcloud {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SpecError as error:
        err = Console(stderr=True)
        for problem in error.problems:
            err.print(f"[bold red]error[/]: {problem}", highlight=False, soft_wrap=True)
        return ExitCode.BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
