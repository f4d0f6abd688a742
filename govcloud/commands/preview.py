"""``govcloud preview --stack FILE [--json]``: run the Pulumi program under mocks, show what it declares."""

from __future__ import annotations

import argparse

from govcloud.console import make_console, print_json
from govcloud.exit_codes import ExitCode
from govcloud.views.preview import preview_document, render_preview
from govcloud.views.violations import render_violations
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
    parser.add_argument("--json", action="store_true", help="print the preview as JSON (docs/contracts.md)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="share a large stack's tenants between N processes (50 tenants or more each; default 1)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the engine and the policy pack bring in Pulumi (about 1 s), which other commands skip.
    from infra.preview import preview_stack
    from policies.offline import check_resources

    stack = load_stack(args.stack)
    preview = preview_stack(stack, workers=max(args.jobs, 1))
    violations = check_resources(preview.resources, stack.spec)
    if args.json:
        document = preview_document(preview, [v.as_json() for v in violations])
        print_json(document)
    else:
        console = make_console()
        render_preview(console, stack, preview)
        render_violations(console, violations)
    return ExitCode.FINDINGS if any(v.mandatory for v in violations) else ExitCode.OK
