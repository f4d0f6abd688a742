"""``govcloud doctor --stack FILE``: the live cloud's prerequisites of the Pulumi program, and their fixes."""

from __future__ import annotations

import argparse
import os
from typing import Any

from govcloud.doctor import DoctorOptions, check
from govcloud.exit_codes import ExitCode
from stacks import load_stack


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check the live cloud for everything the Pulumi program expects to exist",
        description=(
            "Check the live OpenStack cloud (credentials from OS_CLOUD / clouds.yaml or the OS_* "
            "variables) for every prerequisite of the Pulumi program for a stack file: service "
            "endpoints per region, roles, the tenants' identity groups, each region's external network "
            "with a subnet. Print each missing one with its fix. Exit 0 when nothing is missing, 1 when "
            "something is, 2 when the stack is invalid."
        ),
    )
    parser.add_argument("--stack", metavar="FILE", required=True, help="the stack file, e.g. stacks/dev.yaml")
    parser.add_argument("--admin-role", default="manager", help="govcloud:adminRole (default manager)")
    parser.add_argument("--member-role", default="member", help="govcloud:memberRole (default member)")
    parser.add_argument(
        "--no-key-manager",
        action="store_true",
        help="do not require a key-manager endpoint for core tenants (a cloud where no encrypted volume "
        "is created yet, such as the test box; Cinder needs one to create encrypted volumes)",
    )
    parser.set_defaults(func=run)


def _connect(region: str) -> Any:
    """A connection to ``region``: openstacksdk would only know OS_REGION_NAME's region from the
    environment, so that one variable is left out while connecting (the stack names the regions)."""
    import openstack

    saved = os.environ.pop("OS_REGION_NAME", None)
    try:
        return openstack.connect(region_name=region)
    finally:
        if saved is not None:
            os.environ["OS_REGION_NAME"] = saved


def run(args: argparse.Namespace) -> int:
    spec = load_stack(args.stack).spec
    options = DoctorOptions(
        admin_role=args.admin_role, member_role=args.member_role, key_manager=not args.no_key_manager
    )
    missing = check(spec, _connect, options)
    for item in missing:
        print(f"missing: {item.what}\n    fix: {item.fix}")
    if missing:
        print(f"{len(missing)} prerequisite(s) missing")
        return ExitCode.FINDINGS
    print("every prerequisite of the program is present")
    return ExitCode.OK
