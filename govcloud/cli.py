"""The ``govcloud`` command line: parses arguments and dispatches to one subcommand module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from govcloud import __version__
from govcloud.commands import (
    audit,
    doctor,
    drain,
    drill,
    forecast,
    inventory,
    metrics,
    policy_config,
    preview,
    rebalance,
    report,
    schema,
    serve,
    validate,
)
from govcloud.console import bad_input
from stacks.problem import SpecError

COMMANDS = (
    validate,
    schema,
    preview,
    policy_config,
    audit,
    drill,
    doctor,
    rebalance,
    drain,
    forecast,
    report,
    inventory,
    serve,
    metrics,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``govcloud`` parser with every command of :data:`COMMANDS` registered."""
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
    """Run one command; its exit code (2 with the located errors for an invalid stack file)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SpecError as error:
        return bad_input(str(problem) for problem in error.problems)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left (`govcloud inventory | head -1`): stop quietly, as a SIGPIPE'd tool does;
        # point stdout at /dev/null so flushing it at exit cannot raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
