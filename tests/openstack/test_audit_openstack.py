"""``govcloud audit`` against the box: the dev stack's cloud audits clean, each drift alone is found.

The cloud is built once for the module (``dev_cloud.DevCloud``: the shapes the program declares),
each test makes one drift through the OpenStack APIs, runs the CLI as an operator would and undoes
the drift. Projects that existed on the box before the build are the box's own, passed as
``--ignore-project``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openstack import exceptions

from monitoring.backup_canary import CANARY_OBJECT
from stacks import load_stack
from tests.cli.process import ROOT, govcloud
from tests.monitoring.prometheus_server import active_alerts, instant, running_prometheus
from tests.monitoring.scrape import Samples, scrape
from tests.openstack import openstack_box as box
from tests.openstack.backup_serve import serving, stack_with_rpo
from tests.openstack.dev_cloud import DevCloud

pytestmark = pytest.mark.openstack

STACK = ROOT / "stacks" / "dev.yaml"


@pytest.fixture(scope="module")
def dev_cloud(openstack_box: box.BoxEnv) -> Iterator[DevCloud]:
    cloud = DevCloud(openstack_box, load_stack(STACK))
    started = time.monotonic()
    cloud.preexisting = sorted(p.name for p in cloud.admin.identity.projects())
    try:
        cloud.build()
        print(f"\ndev stack built on the box in {time.monotonic() - started:.1f} s")
        yield cloud
    finally:
        cloud.destroy()


def run_audit(cloud: DevCloud, *extra: str) -> tuple[int, dict[str, Any], str]:
    ignored = [arg for name in cloud.preexisting for arg in ("--ignore-project", name)]
    started = time.monotonic()
    result = govcloud(
        "audit",
        "--stack",
        str(STACK),
        "--openstack",
        "--json",
        *ignored,
        *extra,
        env=cloud.env.environ,
        timeout=300,
    )
    print(f"audit: exit {result.returncode} in {time.monotonic() - started:.1f} s")
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.returncode, document, result.stderr


def shapes(document: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return [
        (f["kind"], f["severity"], f["resource"], f["expected"], f["actual"]) for f in document["findings"]
    ]


def test_the_dev_cloud_audits_clean(dev_cloud: DevCloud, tmp_path: Path) -> None:
    code, document, stderr = run_audit(dev_cloud, "--html", str(tmp_path / "audit.html"))
    assert (code, document["findings"]) == (0, []), stderr
    assert [row["tenant"] for row in document["summary"]["by_tenant"]] == [
        "health",
        "edu",
        "transport",
        "police",
    ]
    html = (tmp_path / "audit.html").read_text()
    assert "No findings" in html and "<script" not in html


def test_a_quota_raised_through_the_api_is_found(dev_cloud: DevCloud) -> None:
    project = dev_cloud.projects["health"]
    dev_cloud.admin.compute.update_quota_set(project.id, cores=500)
    try:
        code, document, _ = run_audit(dev_cloud)
    finally:
        dev_cloud.admin.compute.update_quota_set(project.id, cores=96)
    assert code == 1
    assert shapes(document) == [("quota-drift", "high", "quota health compute.cores", "96", "500")]
    (finding,) = document["findings"]
    assert finding["requirement"]["level"] == "core"
    assert finding["requirement"]["classification_standard"].startswith("GB/T 43697-2024")


def test_ssh_open_to_the_world_is_found(dev_cloud: DevCloud) -> None:
    group = dev_cloud.security_groups["transport"]
    rule = dev_cloud.admin.network.create_security_group_rule(
        security_group_id=group.id,
        direction="ingress",
        ethertype="IPv6",
        protocol="tcp",
        port_range_min=22,
        port_range_max=22,
        remote_ip_prefix="::/0",
        project_id=group.project_id,
    )
    try:
        code, document, _ = run_audit(dev_cloud)
    finally:
        dev_cloud.admin.network.delete_security_group_rule(rule)
    assert code == 1
    assert shapes(document) == [
        (
            "open-admin-port",
            "critical",
            f"security group rule transport/transport-default/{rule.id}",
            "no administrative port reachable from 0.0.0.0/0 or ::/0",
            "ingress IPv6 tcp from ::/0 to port(s) 22",
        )
    ]
    assert document["findings"][0]["requirement"]["control_area"] == "access control (security area boundary)"


def test_a_deleted_backup_container_is_found(dev_cloud: DevCloud) -> None:
    region, name = "dalian", "edu-backup-r1"
    swift = dev_cloud.swift(region)
    response = swift.conn.object_store.delete(f"{swift.base}/{name}", raise_exc=False)
    assert response.status_code == 204, response.status_code
    try:
        code, document, _ = run_audit(dev_cloud)
    finally:
        swift.put(name, dev_cloud.containers[(region, name)])
    assert code == 1
    assert shapes(document) == [
        (
            "backup-container-missing",
            "high",
            "container dalian/edu-backup-r1",
            f"container 'edu-backup-r1' in dalian ({dev_cloud.account})",
            "no such container",
        )
    ]


def test_an_undeclared_project_is_found(dev_cloud: DevCloud) -> None:
    shadow = dev_cloud.admin.identity.create_project(name="tourism", domain_id="default")
    try:
        code, document, _ = run_audit(dev_cloud)
    finally:
        dev_cloud.admin.identity.delete_project(shadow)
    assert code == 1
    assert shapes(document) == [
        (
            "shadow-project",
            "high",
            "project tourism",
            "only the stack's tenants (and the ignored platform projects)",
            f"project 'tourism' ({shadow.id})",
        )
    ]
    assert document["findings"][0]["tenant"] is None


def test_a_changed_sync_key_is_found(dev_cloud: DevCloud) -> None:
    region, name = "dalian", "health-backup-r2"
    swift = dev_cloud.swift(region)
    response = swift.conn.object_store.post(
        f"{swift.base}/{name}", headers={"X-Container-Sync-Key": "not-the-key"}, raise_exc=False
    )
    assert response.status_code == 204, response.status_code
    try:
        code, document, _ = run_audit(dev_cloud)
    finally:
        swift.put(name, dev_cloud.containers[(region, name)])
    assert code == 1
    assert shapes(document) == [
        (
            "backup-sync-drift",
            "critical",
            "container dalian/health-backup-r2",
            "the sync key of shenyang/health-backup",
            "another key (values not shown)",
        )
    ]


def _as_admin_in(cloud: DevCloud, openstack_box: box.BoxEnv, tenant: str) -> Any:
    """A connection scoped to the tenant's project (the admin user gets a role there: not a group one)."""
    admin = cloud.admin
    admin.identity.assign_project_role_to_user(
        cloud.projects[tenant], admin.identity.find_user("admin"), admin.identity.find_role("admin")
    )
    return openstack_box.connect(project_name=tenant)


def test_a_core_server_in_a_forbidden_zone_is_found(dev_cloud: DevCloud, openstack_box: box.BoxEnv) -> None:
    admin = dev_cloud.admin
    police = _as_admin_in(dev_cloud, openstack_box, "police")
    image = admin.image.create_image(
        name="audit-image", data=b"fake", disk_format="raw", container_format="bare", visibility="public"
    )
    flavor = admin.compute.create_flavor(name="audit.tiny", vcpus=1, ram=512, disk=1)
    server = None
    try:
        admin.image.wait_for_status(image, status="active", wait=60)
        for attempt in range(3):  # the box's SQLite now and then fails a build ("database is locked")
            try:
                server = police.compute.create_server(
                    name="cases-db",
                    image_id=image.id,
                    flavor_id=flavor.id,
                    networks="none",
                    availability_zone="sy-az3",
                )
                server = police.compute.wait_for_server(server, wait=120, interval=0.5)
                break
            except (exceptions.HttpException, exceptions.ResourceFailure):
                if server is not None:
                    admin.compute.delete_server(server, ignore_missing=True)
                    admin.compute.wait_for_delete(server, wait=60)
                    server = None
                if attempt == 2:
                    raise
        code, document, _ = run_audit(dev_cloud)
    finally:
        if server is not None:
            admin.compute.delete_server(server, ignore_missing=True)
            admin.compute.wait_for_delete(server, wait=60)
        admin.compute.delete_flavor(flavor)
        admin.image.delete_image(image)
    assert code == 1
    assert shapes(document) == [
        (
            "zone-residency",
            "critical",
            f"server police/cases-db ({server.id})",
            "a zone of sy-az1, sy-az2",
            "zone sy-az3",
        )
    ]


def test_a_core_volume_in_a_forbidden_storage_zone_is_found(
    dev_cloud: DevCloud, openstack_box: box.BoxEnv
) -> None:
    """The box's Cinder has storage zones sy-az1 and sy-az3: a police volume is fine in one, not the other."""
    police = _as_admin_in(dev_cloud, openstack_box, "police").block_storage
    volumes = []
    try:
        for name, zone in (("cases-data", "sy-az1"), ("cases-archive", "sy-az3")):
            volumes.append(police.create_volume(name=name, size=1, availability_zone=zone))
        for volume in volumes:
            police.wait_for_status(volume, status="available", failures=["error"], interval=0.5, wait=120)
        code, document, _ = run_audit(dev_cloud)
    finally:
        for volume in volumes:
            police.delete_volume(volume, ignore_missing=True, force=True)  # also one stuck creating
        for volume in volumes:
            police.wait_for_delete(volume, interval=0.5, wait=120)
    assert code == 1
    assert shapes(document) == [
        (
            "zone-residency",
            "critical",
            f"volume police/cases-archive ({volumes[1].id})",
            "a zone of sy-az1, sy-az2",
            "zone sy-az3",
        )
    ]


def test_several_drifts_at_once_in_the_human_view(dev_cloud: DevCloud, tmp_path: Path) -> None:
    """A quota, an open RDP port and a shadow project together: the table and the HTML page list them.

    With ``GOVCLOUD_AUDIT_SAMPLES=DIR`` the table and the page are also kept in DIR (for docs/audit.md).
    """
    admin = dev_cloud.admin
    edu = dev_cloud.projects["edu"]
    group = dev_cloud.security_groups["police"]
    admin.network.update_quota(edu.id, ports=1000)
    rule = admin.network.create_security_group_rule(
        security_group_id=group.id,
        direction="ingress",
        ethertype="IPv4",
        protocol="tcp",
        port_range_min=3389,
        port_range_max=3389,
        remote_ip_prefix="0.0.0.0/0",
        project_id=group.project_id,
    )
    shadow = admin.identity.create_project(name="tourism", domain_id="default")
    page = tmp_path / "audit.html"
    ignored = [arg for name in dev_cloud.preexisting for arg in ("--ignore-project", name)]
    try:
        result = govcloud(
            "audit",
            "--stack",
            str(STACK),
            "--openstack",
            "--html",
            str(page),
            *ignored,
            env={**dev_cloud.env.environ, "COLUMNS": "200"},
            timeout=300,
        )
    finally:
        admin.identity.delete_project(shadow)
        admin.network.delete_security_group_rule(rule)
        admin.network.update_quota(edu.id, ports=200)
    assert result.returncode == 1, result.stderr
    for phrase in ("open-admin-port", "quota-drift", "shadow-project", "3 finding(s)", "the worst critical"):
        assert phrase in result.stdout
    html = page.read_text()
    assert html.count('<span class="sev ') == 3
    samples = os.environ.get("GOVCLOUD_AUDIT_SAMPLES")
    if samples:
        Path(samples).mkdir(parents=True, exist_ok=True)
        (Path(samples) / "audit.txt").write_text(result.stdout)
        (Path(samples) / "audit.html").write_text(html)


def test_restore_drill_through_the_last_replica(dev_cloud: DevCloud) -> None:
    result = govcloud(
        "drill",
        "restore",
        "--stack",
        str(STACK),
        "--openstack",
        "--tenant",
        "health",
        "--json",
        env=dev_cloud.env.environ,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    drill = json.loads(result.stdout)
    print(f"restore drill: {drill}")
    assert drill["replica"] == "dalian/health-backup-r2" and drill["passed"] is True
    assert drill["replication_seconds"] < drill["rpo_seconds"]
    swift = dev_cloud.swift("shenyang")
    assert (
        swift.conn.object_store.head(f"{swift.base}/health-drill-restore", raise_exc=False).status_code == 404
    )


LAG = "govcloud_backup_replication_lag_seconds"
BREACHED = "GovcloudBackupRpoBreached"
REPLICAS = {"health-backup-r1", "health-backup-r2", "edu-backup-r1", "police-backup-r1", "police-backup-r2"}


def test_serve_exports_the_replication_lag_of_every_replica(dev_cloud: DevCloud, tmp_path: Path) -> None:
    """``govcloud serve --openstack --stack``: the canary crosses real container sync into dalian."""
    with serving(STACK, dev_cloud.env.environ, tmp_path / "serve.log") as port:
        started = time.monotonic()
        samples: Samples = {}
        while time.monotonic() - started < 90:
            samples = scrape(port) or {}
            lags = {dict(labels)["container"]: v for (name, labels), v in samples.items() if name == LAG}
            if len(lags) == 5 and max(lags.values()) < 30:
                break
            time.sleep(1)
        print(f"replication lag after {time.monotonic() - started:.1f} s: {lags}")
        assert set(lags) == REPLICAS
        assert max(lags.values()) < 30, lags
        rpo = {
            dict(labels)["tenant"]: v
            for (name, labels), v in samples.items()
            if name == "govcloud_backup_rpo_seconds"
        }
        assert rpo == {"health": 900.0, "edu": 14400.0, "police": 300.0}
        up = [v for (name, _), v in samples.items() if name == "govcloud_backup_canary_up"]
        assert up == [1.0] * 5
        # The lag is the canaries' age, not the time since the first write: each replica holds one.
        dalian = dev_cloud.swift("dalian")
        for container in lags:
            response = dalian.conn.object_store.get(
                f"{dalian.base}/{container}/{CANARY_OBJECT}", raise_exc=False
            )
            assert response.status_code == 200, container
            assert time.time() - float(response.content.decode()) < 60


def _until(what: str, seconds: float, probe: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(1)
    raise AssertionError(f"{what}: not within {seconds:.0f} s")


def test_with_sync_stopped_the_lag_alert_fires_in_prometheus(dev_cloud: DevCloud, tmp_path: Path) -> None:
    """A real Prometheus with the shipped rules scrapes serve; one replica's sync is broken, then mended.

    The stack is the dev stack with an RPO of 1 minute (the shipped rule's ``for: 2m`` unchanged).
    Sync into ``dalian/health-backup-r2`` is stopped by giving that container another sync key (its
    upstream, health-backup-r1, keeps pushing with the right one and is refused); the other four
    replicas keep syncing.
    """
    stack = stack_with_rpo(STACK, 1, tmp_path / "dev-rpo-1m.yaml")
    rules = sorted((ROOT / "monitoring" / "rules").glob("*.yml"))
    region, broken = "dalian", "health-backup-r2"
    swift = dev_cloud.swift(region)
    with (
        serving(stack, dev_cloud.env.environ, tmp_path / "serve.log") as port,
        running_prometheus([f"127.0.0.1:{port}"], rules, tmp_path / "prometheus") as prom,
    ):

        def lags() -> dict[str, float] | None:
            found = instant(prom, LAG, "container")
            return found if found is not None and set(found) == REPLICAS else None

        def healthy() -> bool:
            found = lags()
            return found is not None and max(found.values()) < 30 and active_alerts(prom, BREACHED) == []

        _until(f"every replica under 30 s and no {BREACHED}", 120, healthy)
        print(f"before: lags {lags()}")
        response = swift.conn.object_store.post(
            f"{swift.base}/{broken}", headers={"X-Container-Sync-Key": "not-the-key"}, raise_exc=False
        )
        assert response.status_code == 204, response.status_code
        stopped = time.monotonic()
        ever_active: set[str] = set()
        try:

            def firing() -> list[dict[str, Any]]:
                active = active_alerts(prom, BREACHED) or []
                ever_active.update(a["labels"]["container"] for a in active)
                return [a for a in active if a["state"] == "firing"]

            (alert,) = _until(f"{BREACHED} firing", 60 + 120 + 120, firing)
            print(f"{BREACHED} firing {time.monotonic() - stopped:.1f} s after sync stopped: {alert}")
            assert {k: alert["labels"][k] for k in ("tenant", "level", "region", "container")} == {
                "tenant": "health",
                "level": "core",
                "region": region,
                "container": broken,
            }
            # Not even pending, at any poll while it waited, for the four replicas that kept syncing.
            assert ever_active == {broken}, ever_active
            assert [a["labels"]["container"] for a in active_alerts(prom, BREACHED) or []] == [broken]
            now = lags()
            print(f"while stopped: lags {now}")
            assert now is not None and now[broken] > 60
            assert max(v for c, v in now.items() if c != broken) < 60, now
        finally:
            swift.put(broken, dev_cloud.containers[(region, broken)])
        # Mended: the replica catches up and the alert resolves (the box is as before for later tests).
        _until(f"{BREACHED} resolved", 120, lambda: active_alerts(prom, BREACHED) == [])
        caught_up = lags()
        print(f"after the key is restored: lags {caught_up}")
        assert caught_up is not None and max(caught_up.values()) < 60, caught_up
