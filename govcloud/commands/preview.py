"""``govcloud preview --stack FILE [--json]``: run the Pulumi program under mocks, show what it declares."""

from __future__ import annotations

import argparse
import json
import sys

from govcloud.console import make_console
from govcloud.exit_codes import ExitCode
from govcloud.views.preview import preview_document, render_preview
from infra.preview import preview_stack
from stacks import load_stack


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="show every resource the Pulumi program declares for a stack, offline",
        description=(
            "Run the Pulumi program for a stack file with mock providers (no cloud, no Pulumi CLI) and "
            "summarise the resources it declares, or print them as JSON. Exit 0 when no mandatory policy "
            "is violated, 1 when one is, 2 when the stack file is invalid."
        ),
    )
    parser.add_argument("--stack", required=True, metavar="FILE", help="the stack file, e.g. stacks/dev.yaml")
    parser.add_argument("--json", action="store_true", help="print the preview as JSON (CONTRACTS section 4)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="share a large stack's tenants between N processes (50 tenants or more each; default 1)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    stack = load_stack(args.stack)
    preview = preview_stack(stack, workers=max(args.jobs, 1))
    violations: list[dict[str, str]] = []
    if args.json:
        json.dump(preview_document(preview, violations), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        render_preview(make_console(), stack, preview)
    mandatory = any(v.get("level") == "mandatory" for v in violations)
    return ExitCode.FINDINGS if mandatory else ExitCode.OK
