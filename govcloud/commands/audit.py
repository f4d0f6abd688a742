"""``govcloud audit --stack FILE --openstack``: the live cloud against its stack file.

Reads the cloud (``policies.audit.openstack_reader``), compares it with the stack
(``policies.audit.rules``) and reports every finding: a table, ``--json`` (docs/contracts.md) and/or
``--html FILE`` (one self-contained page). Exit 0 clean, 1 findings, 2 bad input or a cloud that cannot be
reached or read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from govcloud.console import bad_input, make_console, print_json
from govcloud.exit_codes import ExitCode
from govcloud.sources import SourceError, openstack_region_connector
from govcloud.views.audit import audit_document, render_audit
from govcloud.views.audit_html import render_html
from stacks import load_stack


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="compare the live cloud with its stack file and report every drift",
        description=(
            "Read the live OpenStack cloud (as an administrator) and compare it with the stack file: "
            "tenant projects, tags, group roles and quotas; subnets and open administrative ports; "
            "backup containers, container sync and versioning; encrypted volume types; the zones of "
            "servers and volumes; projects the stack does not declare. Exit 0 when the cloud matches, 1 "
            "on findings, 2 on a bad stack file or a cloud that cannot be reached."
        ),
    )
    parser.add_argument("--stack", required=True, metavar="FILE", help="the stack file, e.g. stacks/dev.yaml")
    parser.add_argument(
        "--openstack",
        action="store_true",
        required=True,
        help="read the live OpenStack cloud named by the OS_* variables or --os-cloud",
    )
    parser.add_argument("--os-cloud", metavar="NAME", help="a cloud of clouds.yaml")
    parser.add_argument("--json", action="store_true", help="print the audit document (docs/contracts.md)")
    parser.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    parser.add_argument("--admin-role", default="manager", help="role of admin groups (govcloud:adminRole)")
    parser.add_argument("--member-role", default="member", help="role of member groups (govcloud:memberRole)")
    parser.add_argument("--sync-realm", default="govcloud", help="container sync realm (govcloud:syncRealm)")
    parser.add_argument(
        "--ignore-project",
        action="append",
        default=[],
        metavar="NAME",
        help="a platform project that is not a tenant (admin and service always are); repeatable",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the rules bring in Pulumi's policy SDK (about 1 s), which no other command needs.
    from policies.audit.openstack_reader import OpenStackReader, ReadError
    from policies.audit.rules import AuditOptions, audit

    stack = load_stack(args.stack)
    options = AuditOptions(
        admin_role=args.admin_role,
        member_role=args.member_role,
        sync_realm=args.sync_realm,
        ignored_projects=frozenset({"admin", "service", *args.ignore_project}),
    )
    try:
        observed = OpenStackReader(openstack_region_connector(args.os_cloud)).read(stack.spec)
    except (SourceError, ReadError) as error:
        return bad_input([str(error)])
    findings = audit(stack.spec, observed, options)
    if args.html:
        try:
            Path(args.html).write_text(render_html(stack.name, stack.spec, findings), encoding="utf-8")
        except OSError as error:
            return bad_input([f"{args.html}: cannot write the HTML report: {error}"])
    if args.json:
        print_json(audit_document(stack.name, stack.spec, findings))
    else:
        render_audit(make_console(), stack.name, stack.spec, findings)
    return ExitCode.FINDINGS if findings else ExitCode.OK
