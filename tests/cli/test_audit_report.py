"""The audit's reports without a cloud: the HTML page (rendered by headless Chromium), bad input, exit 2."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from govcloud.views.audit import audit_document
from govcloud.views.audit_html import render_html
from policies.audit.model import ObservedProject
from policies.audit.rules import audit
from stacks import load_stack
from tests.cli.process import ROOT, govcloud
from tests.policies.audit_cloud import matching_cloud

STACK = ROOT / "stacks" / "dev.yaml"


def drifted_findings() -> tuple[object, list]:
    spec = load_stack(STACK).spec
    cloud = matching_cloud(spec)
    quotas = {k: dict(v) for k, v in cloud.quotas.items()}
    quotas["health"]["compute.cores"] = 500
    containers = {k: v for k, v in cloud.containers.items() if k != ("dalian", "edu-backup-r1")}
    servers = tuple(replace(s, zone="sy-az3") if s.project == "police" else s for s in cloud.servers)
    projects = {**cloud.projects, "tourism": ObservedProject("0f3c", "tourism")}
    cloud = replace(cloud, quotas=quotas, containers=containers, servers=servers, projects=projects)
    return spec, audit(spec, cloud)


def test_html_is_one_self_contained_page() -> None:
    spec, findings = drifted_findings()
    page = render_html("dev", spec, findings)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", page), "no external asset of any kind"
    for finding in findings:
        assert finding.kind.value in page
    assert "GB/T 43697-2024" in page and "GB/T 22239-2019" in page
    assert "<td>&lt;" not in page  # escaped text, no markup injected from the cloud


def test_audit_document_sums_by_level_and_tenant() -> None:
    spec, findings = drifted_findings()
    document = audit_document("dev", spec, findings)
    assert document["summary"]["findings"] == len(findings) == 4
    assert document["summary"]["by_severity"] == {"critical": 1, "high": 3, "medium": 0, "low": 0}
    core = next(r for r in document["summary"]["by_level"] if r["level"] == "core")
    assert (core["tenants"], core["tenants_with_findings"], core["total"]) == (2, 2, 2)
    assert document["summary"]["by_tenant"][-1]["tenant"] == "(undeclared)"


CHROMIUM = shutil.which("chromium")


def test_chromium_renders_the_page(tmp_path: Path) -> None:
    assert CHROMIUM is not None, "Debian's chromium is not installed (make system-deps installs it)"
    spec, findings = drifted_findings()
    page = tmp_path / "audit.html"
    page.write_text(render_html("dev", spec, findings), encoding="utf-8")
    shot = tmp_path / "audit.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert dom.count('<span class="sev ') == len(findings)
    subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_an_unreachable_cloud_is_bad_input_without_a_traceback() -> None:
    env = {
        "OS_AUTH_URL": "http://127.0.0.1:9/v3",
        "OS_USERNAME": "admin",
        "OS_PASSWORD": "x",
        "OS_PROJECT_NAME": "admin",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
    }
    result = govcloud("audit", "--stack", str(STACK), "--openstack", env=env)
    assert result.returncode == 2
    assert "cannot connect to OpenStack" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_stack_is_bad_input(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("cloud: {name: x}\n")
    result = govcloud("audit", "--stack", str(broken), "--openstack")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(broken) in result.stderr
