"""The scheduler against the real box: read the inventory, plan, and live-migrate through the applier.

Servers are booted with the fake driver all on compute1 (sy-az1), leaving sy-az2 and sy-az3 empty.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openstack import exceptions

from scheduler.adapters.openstack.executor import OpenStackExecutor
from scheduler.adapters.openstack.source import ALLOWED_ZONES_KEY, OpenStackSource
from scheduler.apply.applier import apply_plan
from scheduler.apply.executor import MoveFailed
from scheduler.apply.journal import DONE, FAILED
from scheduler.model.imbalance import imbalance, zone_utilization
from scheduler.model.inventory import Inventory
from scheduler.model.inventory_file import inventory_to_dict
from scheduler.model.move import Move
from scheduler.model.plan import Plan
from scheduler.planning.rebalance import rebalance
from stacks.load import load_stack

pytestmark = pytest.mark.openstack

TENANT = "edu"  # a dev-stack tenant (classification "important": no zone restriction)
ROOT = Path(__file__).resolve().parents[2]


class Cloud:
    """The edu project on the box, and how to boot an unbalanced fleet in it."""

    def __init__(self, admin: Any, env: Any) -> None:
        self.admin = admin
        project = admin.identity.create_project(name=TENANT, domain_id="default")
        admin_user = admin.identity.find_user("admin")
        admin.identity.assign_project_role_to_user(project, admin_user, admin.identity.find_role("admin"))
        self.project = project
        self.conn = env.connect(project_name=TENANT)
        image = admin.image.create_image(
            name="fake-image", data=b"fake", disk_format="raw", container_format="bare", visibility="public"
        )
        admin.image.wait_for_status(image, status="active", wait=60)
        self.image = image
        self.flavor = admin.compute.create_flavor(name="g1.small", vcpus=2, ram=1024, disk=1)

    def servers(self) -> list[Any]:
        return list(self.admin.compute.servers(details=True, all_projects=True, project_id=self.project.id))

    def clear(self, name: str | None = None) -> None:
        """Delete the project's servers (or those called ``name``) and server groups, one at a time."""
        for _ in range(4):
            doomed = [s for s in self.servers() if name is None or s.name == name]
            if not doomed:
                break
            for server in doomed:
                for attempt in range(3):
                    try:
                        # A delete the box loses (it did on SQLite: "database is locked") leaves the
                        # server behind; the next round asks again, as an operator would.
                        self.admin.compute.delete_server(server)
                        break
                    except exceptions.HttpException:
                        if attempt == 2:
                            raise
                        time.sleep(1)
                with contextlib.suppress(exceptions.ResourceTimeout):
                    self.admin.compute.wait_for_delete(server, wait=30, interval=0.5)
        assert not [s for s in self.servers() if name is None or s.name == name], "servers survived deletion"
        if name is not None:
            return
        for group in self.admin.compute.server_groups(all_projects=True):
            self.admin.compute.delete_server_group(group)

    def boot(self, names: list[str], host: str, **extra: Any) -> list[Any]:
        # One at a time, retried: a build the box fails (on SQLite, "database is locked" under concurrent
        # builds) is the box's limit, not the code's under test.
        active = []
        for name in names:
            for attempt in range(3):
                try:
                    server = self.conn.compute.create_server(
                        name=name,
                        image_id=self.image.id,
                        flavor_id=self.flavor.id,
                        networks="none",
                        host=host,
                        microversion="2.74",
                        **extra,
                    )
                    active.append(self.conn.compute.wait_for_server(server, wait=120, interval=0.5))
                    break
                except (exceptions.HttpException, exceptions.ResourceFailure):
                    if attempt == 2:
                        raise
                    self.clear(name)
        assert {s.compute_host for s in active} == {host}
        return active

    def unbalanced(self, count: int = 4) -> list[Any]:
        """``count`` servers on compute1, nothing elsewhere."""
        self.clear()
        return self.boot([f"app-{i}" for i in range(count)], "compute1")

    def hosts(self) -> dict[str, str]:
        """Workload name -> compute host, as Nova says now."""
        return {f"{TENANT}/{s.name}": s.compute_host for s in self.servers()}

    def live_migrations(self, server_id: str) -> list[Any]:
        return [
            m
            for m in self.admin.compute.migrations(instance_uuid=server_id)
            if m.migration_type == "live-migration"
        ]


@pytest.fixture(scope="module")
def cloud(os_conn: Any, openstack_box: Any) -> Iterator[Cloud]:
    made = Cloud(os_conn, openstack_box)
    yield made
    made.clear()


@pytest.fixture(scope="module")
def stack() -> Any:
    return load_stack(ROOT / "stacks" / "dev.yaml").spec


def _imbalance(inv: Inventory) -> float:
    return imbalance(zone_utilization(inv))


def _plan(inv: Inventory) -> Plan:
    plan = rebalance(inv)
    assert plan.moves, plan.reason
    return plan


def test_source_reads_zones_capacities_groups_residency_and_caps(cloud: Cloud, stack: Any) -> None:
    cloud.clear()
    group = cloud.conn.compute.create_server_group(name="his", policy="anti-affinity")
    cloud.boot(["his-0"], "compute2", scheduler_hints={"group": group.id})
    cloud.boot(["his-1"], "compute3", scheduler_hints={"group": group.id})
    cloud.boot(["pinned"], "compute1", metadata={ALLOWED_ZONES_KEY: "sy-az1, sy-az2"})

    inv = OpenStackSource(cloud.admin, stack=stack).load()

    assert [(z.name, z.region, [h.name for h in z.hosts]) for z in inv.zones] == [
        ("sy-az1", "shenyang", ["compute1"]),
        ("sy-az2", "shenyang", ["compute2"]),
        ("sy-az3", "shenyang", ["compute3"]),
    ]
    # MediumFakeDriver: 10 vCPU at allocation ratio 4.0, 8192 MiB at 1.0 (Placement inventories).
    assert {h.name: dict(h.capacity) for h in inv.hosts} == {
        name: {"cpu": 40.0, "memory_gib": 8.0} for name in ("compute1", "compute2", "compute3")
    }
    assert {h.name: (h.physical("cpu"), h.physical("memory_gib")) for h in inv.hosts} == {
        name: (10.0, 8.0) for name in ("compute1", "compute2", "compute3")
    }
    assert all(h.schedulable for h in inv.hosts)
    ours = {w.name: w for w in inv.workloads if w.tenant == TENANT}
    assert {n: (w.host, w.group, w.allowed_zones) for n, w in ours.items()} == {
        "edu/his-0": ("compute2", "edu/his", None),
        "edu/his-1": ("compute3", "edu/his", None),
        "edu/pinned": ("compute1", None, frozenset({"sy-az1", "sy-az2"})),
    }
    assert all(dict(w.requests) == {"cpu": 2.0, "memory_gib": 1.0} and w.movable for w in ours.values())
    edu = inv.tenant(TENANT)
    assert edu is not None
    assert {z: dict(c) for z, c in edu.quota.items()} == {
        z: {"cpu": 64.0, "memory_gib": 128.0} for z in ("sy-az1", "sy-az2", "sy-az3")
    }


def test_inventory_cli_exports_the_live_inventory(cloud: Cloud, openstack_box: Any) -> None:
    cloud.unbalanced(2)
    done = subprocess.run(
        [sys.executable, "-m", "govcloud", "inventory", "--openstack", "--stack", "stacks/dev.yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **openstack_box.environ},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    exported = yaml.safe_load(done.stdout)
    stack = load_stack(ROOT / "stacks" / "dev.yaml").spec
    assert exported == inventory_to_dict(OpenStackSource(cloud.admin, stack=stack).load())
    assert sorted(w["name"] for w in exported["workloads"]) == ["edu/app-0", "edu/app-1"]


def _govcloud(*args: str) -> list[str]:
    return [sys.executable, "-m", "govcloud", *args]


def _cli_env(openstack_box: Any) -> dict[str, str]:
    return {**os.environ, **openstack_box.environ, "PYTHONPATH": str(ROOT)}


def _moves(plan_json: dict[str, Any]) -> list[Move]:
    return [Move(**m) for m in plan_json["moves"]]


def test_rebalance_apply_moves_servers_to_the_planned_hosts(
    cloud: Cloud, openstack_box: Any, tmp_path: Path
) -> None:
    cloud.unbalanced()
    source = OpenStackSource(cloud.admin)
    before = _imbalance(source.load())

    done = subprocess.run(
        _govcloud("rebalance", "--openstack", "--apply", "--json", "--journal", "j.jsonl"),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_cli_env(openstack_box),
        check=False,
    )

    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    moves = _moves(out)
    assert moves and [s["status"] for s in out["apply"]["steps"]] == [DONE] * len(moves)
    hosts = cloud.hosts()
    assert {m.workload: hosts[m.workload] for m in moves} == {m.workload: m.to_host for m in moves}
    after = _imbalance(source.load())
    assert after < before
    assert after == pytest.approx(out["after"]["imbalance"], abs=1e-6)
    assert all(s.status == "ACTIVE" for s in cloud.servers())


def test_killed_rebalance_resumes_each_server_moved_once_none_lost(
    cloud: Cloud, openstack_box: Any, tmp_path: Path
) -> None:
    servers = cloud.unbalanced(5)
    journal = tmp_path / "j.jsonl"
    command = _govcloud("rebalance", "--openstack", "--apply", "--json", "--journal", str(journal))
    first = subprocess.Popen(
        command, cwd=tmp_path, env=_cli_env(openstack_box), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    # Kill it while its second move is in flight: one move done, one intent without an outcome.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        events = [json.loads(line)["event"] for line in _lines(journal)]
        if events.count("intent") >= 2:
            break
        time.sleep(0.05)
    assert first.poll() is None, first.communicate()
    first.send_signal(signal.SIGKILL)
    first.wait()
    records = [json.loads(line) for line in _lines(journal)]
    assert [r.get("status") for r in records].count(DONE) == 1
    planned = _moves(records[0]["plan"])
    assert len(planned) >= 3

    again = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=_cli_env(openstack_box))

    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)["apply"]
    assert report["resumed"], report
    hosts = cloud.hosts()
    assert {m.workload: hosts[m.workload] for m in planned} == {m.workload: m.to_host for m in planned}
    assert sorted(s.id for s in cloud.servers()) == sorted(s.id for s in servers)  # none lost
    assert all(s.status == "ACTIVE" for s in cloud.servers())
    moved = {m.workload for m in planned}
    for server in cloud.servers():
        expected = 1 if f"{TENANT}/{server.name}" in moved else 0
        assert len(cloud.live_migrations(server.id)) == expected, server.name


class _DisablesTargetFirst:
    """Fault injection: disables the first move's target compute service just before migrating."""

    def __init__(self, admin: Any, inner: OpenStackExecutor) -> None:
        self.admin, self.inner = admin, inner
        self.disabled: str | None = None
        self.failures: list[str] = []

    def migrate(self, move: Move) -> None:
        if self.disabled is None:
            self.disabled = move.to_host
            service = next(self.admin.compute.services(host=move.to_host, binary="nova-compute"))
            self.admin.compute.disable_service(service, move.to_host, "nova-compute")
        try:
            self.inner.migrate(move)
        except MoveFailed as failure:
            self.failures.append(failure.reason)
            raise


def test_failed_live_migration_is_reported_and_the_rest_continues(cloud: Cloud, tmp_path: Path) -> None:
    cloud.unbalanced()
    source = OpenStackSource(cloud.admin)
    before = source.load()
    plan = _plan(before)
    executor = _DisablesTargetFirst(cloud.admin, OpenStackExecutor(cloud.admin))
    try:
        report = apply_plan(
            plan,
            source,
            executor,
            journal=tmp_path / "journal",
            dry_run=False,
            planner=lambda inv, budget: rebalance(inv, max_moves=budget),
        )
    finally:
        for service in cloud.admin.compute.services(binary="nova-compute"):
            if service.status == "disabled":
                cloud.admin.compute.enable_service(service, service.host, "nova-compute")

    disabled = executor.disabled
    failed = [s for s in report.steps if s.status == FAILED]
    assert [s.move.to_host for s in failed] == [disabled], report.to_json()
    assert failed[0].reason is not None and "Nova refused" in failed[0].reason
    done = [s.move for s in report.steps if s.status == DONE]
    assert done, report.to_json()  # the rest continued
    hosts = cloud.hosts()
    assert all(hosts[m.workload] == m.to_host for m in done)
    assert disabled not in hosts.values()  # nothing went to the disabled host
    assert len(hosts) == len(before.workloads)  # none lost
    assert all(s.status == "ACTIVE" for s in cloud.servers())
    assert _imbalance(source.load()) < _imbalance(before)


def test_executor_gives_up_after_its_timeout(cloud: Cloud) -> None:
    (server,) = cloud.unbalanced(1)
    move = Move(f"{TENANT}/{server.name}", TENANT, "compute1", "compute2", "sy-az1", "sy-az2")

    with pytest.raises(MoveFailed, match=r"not ACTIVE on compute2 after 0 s"):
        OpenStackExecutor(cloud.admin, timeout=0.0).migrate(move)

    # The migration Nova started goes on; once it settles, a retry is a no-op that succeeds.
    OpenStackSource(cloud.admin).load()  # waits for the migration in flight
    OpenStackExecutor(cloud.admin).migrate(move)
    assert cloud.hosts() == {move.workload: "compute2"}
    assert len(cloud.live_migrations(server.id)) == 1


def _lines(path: Path) -> list[str]:
    try:
        return [line for line in path.read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        return []
