"""`govcloud doctor` on the box: the dev stack's prerequisites all present, then one missing with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from govcloud.cli import main
from tests.engine.conftest import ROOT
from tests.openstack import openstack_box as box


def _doctor(stack: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["doctor", "--stack", str(stack), "--no-key-manager"])
    return code, capsys.readouterr().out


def test_doctor_passes_on_the_prepared_box_and_names_each_missing_prerequisite_with_its_fix(
    openstack_box: box.BoxEnv,
    box_prerequisites: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    for name, value in openstack_box.environ.items():
        monkeypatch.setenv(name, value)
    code, out = _doctor(ROOT / "stacks" / "dev.yaml", capsys)
    assert (code, out.strip()) == (0, "every prerequisite of the program is present")

    # The same stack with one group the identity system does not have and an external network the
    # backup region does not have.
    document = yaml.safe_load((ROOT / "stacks" / "dev.yaml").read_text(encoding="utf-8"))
    document["tenants"][1]["groups"]["member"].append("edu-auditors")
    document["regions"][1]["external_network"] = "dalian-public"
    stack = tmp_path / "dev-missing.yaml"
    stack.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    code, out = _doctor(stack, capsys)
    assert code == 1
    assert out.splitlines() == [
        "missing: identity group edu-auditors",
        "    fix: sync it from the unified identity system, or: openstack group create edu-auditors",
        "missing: region dalian: external network dalian-public",
        "    fix: openstack --os-region-name dalian network create --external dalian-public (and a subnet on it)",
        "2 prerequisite(s) missing",
    ]
