"""Runs the applier against the box in a process of its own, so a test can kill it midway.

Usage: ``python apply_runner.py PLAN.json JOURNAL`` with the box's ``OS_*`` variables set.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import openstack

from scheduler.apply import apply_plan, plan_from_json
from scheduler.openstack_executor import OpenStackExecutor
from scheduler.openstack_source import OpenStackSource


def main(plan_file: str, journal: str) -> int:
    conn = openstack.connect()
    plan = plan_from_json(json.loads(Path(plan_file).read_text()))
    report = apply_plan(
        plan, OpenStackSource(conn), OpenStackExecutor(conn), journal=Path(journal), dry_run=False
    )
    print(json.dumps(report.to_json()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
