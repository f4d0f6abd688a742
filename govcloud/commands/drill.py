"""``govcloud drill restore``: prove a tenant's off-site replica can give its data back, within the RPO.

The drill writes an object of random bytes into the tenant's primary backup container, waits until
container sync has carried it to the chosen replica (at most the tenant's RPO), restores it from the
replica into a scratch container in the home region, and compares the restored bytes with what was
written (and Swift's MD5). Everything it wrote is deleted again. Exit 0 when the restore matches within
the RPO, 1 when it does not, 2 for bad input or a cloud that cannot be reached.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
import uuid

from govcloud.backup_store import SwiftBackupAccount
from govcloud.console import bad_input, make_console, print_json
from govcloud.exit_codes import ExitCode
from govcloud.sources import SourceError, openstack_region_connector
from monitoring.backup_canary import CanaryStoreError
from stacks import load_stack
from stacks.naming import container_name
from stacks.replica import backup_plan

DRILL_BYTES = 1 << 20


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("drill", help="disaster-recovery drills against the live cloud")
    drills = parser.add_subparsers(dest="drill", metavar="DRILL", required=True)
    restore = drills.add_parser(
        "restore",
        help="write, replicate and restore an object through a tenant's off-site replica",
        description=__doc__,
    )
    restore.add_argument("--stack", required=True, metavar="FILE", help="the stack file")
    restore.add_argument("--openstack", action="store_true", required=True, help="the live OpenStack cloud")
    restore.add_argument("--os-cloud", metavar="NAME", help="a cloud of clouds.yaml")
    restore.add_argument("--tenant", required=True, help="the tenant whose backup chain is drilled")
    restore.add_argument(
        "--replica", type=int, default=None, metavar="N", help="replica to restore from (default: the last)"
    )
    restore.add_argument("--json", action="store_true", help="print the drill's result as JSON")
    restore.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load_stack(args.stack).spec
    tenant = next((t for t in spec.tenants if t.name == args.tenant), None)
    if tenant is None:
        return bad_input([f"{args.stack}: no tenant {args.tenant!r}"])
    plan = backup_plan(spec, tenant)
    if not plan.replicas:
        return bad_input([f"{args.tenant!r} keeps no off-site replica: nothing to drill"])
    replica = (
        plan.replicas[-1]
        if args.replica is None
        else next((r for r in plan.replicas if r.index == args.replica), None)
    )
    if replica is None:
        return bad_input([f"{args.tenant!r} has replicas 1-{len(plan.replicas)}, not {args.replica}"])
    account = SwiftBackupAccount(openstack_region_connector(args.os_cloud))
    primary, copy = container_name(tenant.name), container_name(tenant.name, replica.index)
    scratch = f"{tenant.name}-drill-restore"
    name = f".govcloud-drill-{uuid.uuid4().hex}"
    body = os.urandom(DRILL_BYTES)
    rpo = plan.rpo_minutes * 60.0
    result: dict[str, object] = {
        "tenant": tenant.name,
        "from": f"{plan.home_region}/{primary}",
        "replica": f"{replica.region}/{copy}",
        "restored_to": f"{plan.home_region}/{scratch}",
        "bytes": DRILL_BYTES,
        "rpo_seconds": rpo,
    }
    try:
        started = time.monotonic()
        account.put(plan.home_region, f"{primary}/{name}", body)
        arrived = None
        while time.monotonic() - started < rpo:
            arrived = account.get(replica.region, f"{copy}/{name}")
            if arrived is not None:
                break
            time.sleep(1.0)
        replicated = time.monotonic() - started
        result["replication_seconds"] = round(replicated, 1)
        passed = False
        if arrived is None:
            result["verdict"] = f"the object did not reach {replica.region}/{copy} within the RPO"
        else:
            restore_started = time.monotonic()
            account.put(plan.home_region, scratch)
            account.put(plan.home_region, f"{scratch}/{name}", arrived[0])
            restored = account.get(plan.home_region, f"{scratch}/{name}")
            result["restore_seconds"] = round(time.monotonic() - restore_started, 1)
            digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
            passed = restored is not None and restored[0] == body and restored[1] == digest == arrived[1]
            result["verdict"] = "restored intact within the RPO" if passed else "the restored bytes differ"
        result["passed"] = passed
        _clean(account, plan.home_region, primary, scratch, name)
    except (SourceError, CanaryStoreError) as error:
        return bad_input([str(error)])
    if args.json:
        print_json(result)
    else:
        console = make_console()
        for key, value in result.items():
            console.print(f"{key}: {value}", highlight=False)
    return ExitCode.OK if passed else ExitCode.FINDINGS


def _clean(account: SwiftBackupAccount, home: str, primary: str, scratch: str, name: str) -> None:
    """Delete the drill object (container sync removes its copies) and the scratch container."""
    account.delete(home, f"{primary}/{name}")
    account.delete(home, f"{scratch}/{name}")
    account.delete(home, scratch)
