"""``govcloud preview`` as a user runs it: a separate process, JSON on stdout, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.process import ROOT, govcloud


def test_preview_json_follows_the_contract() -> None:
    result = govcloud("preview", "--stack", "stacks/dev.yaml", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"version", "stack", "resources", "violations"}
    assert document["version"] == 1
    assert document["stack"] == "dev"
    assert document["violations"] == []
    resources = document["resources"]
    assert all(set(r) == {"type", "name", "parent", "inputs"} for r in resources)
    (health,) = [
        r for r in resources if r["type"] == "openstack:identity/project:Project" and r["name"] == "health"
    ]
    assert health["parent"] == "govcloud:index:Tenant::health"
    assert health["inputs"]["region"] == "shenyang"
    assert "classification:core" in health["inputs"]["tags"]
    quota = next(r for r in resources if r["name"] == "health-quotas-compute")
    assert quota["inputs"]["cores"] == 96 and isinstance(quota["inputs"]["cores"], int)
    containers = [r for r in resources if r["type"] == "openstack:objectstorage/container:Container"]
    chain = [c for c in containers if "versioningLegacy" in c["inputs"]]
    assert chain and all(c["inputs"]["containerSyncKey"] == "[secret]" for c in chain)
    assert len(containers) == 2 * len(chain), "every backup container has a versions container"
    assert all(
        "region" in r["inputs"]
        for r in resources
        if r["type"].startswith(("openstack:", "pulumi:providers:"))
    )


def test_preview_summary_shows_types_tenants_and_replicas() -> None:
    result = govcloud("preview", "--stack", "stacks/dev.yaml")
    assert result.returncode == 0, result.stderr
    for heading in ("Resources by type", "Tenants", "Address plan", "Backup replicas"):
        assert heading in result.stdout
    assert "2001:db8:1001::/64" in result.stdout
    assert "police-backup-r2" in result.stdout


def test_bad_stack_file_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = (ROOT / "stacks" / "dev.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("slot: 2\n", "slot: 1\n", 1), encoding="utf-8")
    result = govcloud("preview", "--stack", str(broken), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "broken.yaml" in result.stderr and "tenants[1].slot" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_stack_file_exits_2() -> None:
    result = govcloud("preview", "--stack", "stacks/does-not-exist.yaml")
    assert result.returncode == 2
    assert "does-not-exist.yaml" in result.stderr and "Traceback" not in result.stderr
