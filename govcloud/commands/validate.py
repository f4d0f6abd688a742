"""``govcloud validate STACK``: check a stack file and summarise the cloud it declares."""

from __future__ import annotations

import argparse

from rich.markup import escape

from govcloud.console import make_console
from govcloud.exit_codes import ExitCode
from govcloud.views.stack import render_stack_summary
from stacks import load_stack


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a stack file and summarise it",
        description=(
            "Check a stack file against its schema and every rule (unique names and slots, address plan, "
            "backup sites, capacity) and summarise it. Exit 0 when valid, 1 with warnings under --strict, "
            "2 when invalid."
        ),
    )
    parser.add_argument("stack", metavar="STACK", help="the stack file, e.g. stacks/dev.yaml")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    parser.add_argument("--strict", action="store_true", help="treat warnings as findings (exit 1)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    stack = load_stack(args.stack)
    console = make_console()
    if not args.quiet:
        render_stack_summary(console, stack)
    for warning in stack.warnings:
        make_console(stderr=True).print(
            f"[yellow]warning[/]: {escape(str(warning))}", highlight=False, soft_wrap=True
        )
    if args.strict and stack.warnings:
        return ExitCode.FINDINGS
    return ExitCode.OK
