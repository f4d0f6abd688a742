"""`pulumi preview --policy-pack policies` on the box refuses a violating stack with `govcloud preview`'s violations."""

from __future__ import annotations

import subprocess

from tests.engine.conftest import ROOT, Pulumi, box_openstack_config
from tests.engine.test_engine_dev import mock_preview
from tests.openstack import openstack_box as box

BROKEN = ROOT / "tests" / "policies" / "stacks" / "broken.yaml"


def test_policy_pack_refuses_the_violating_stack_like_govcloud_preview(
    pulumi_project: Pulumi, openstack_box: box.BoxEnv, box_prerequisites: None
) -> None:
    pulumi = pulumi_project
    pulumi.init_stack("broken", {"govcloud:stackFile": str(BROKEN), **box_openstack_config(openstack_box)})
    config = pulumi.project / "policy-config.broken.json"
    config.write_text(
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "govcloud"), "policy-config", "--stack", str(BROKEN)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout,
        encoding="utf-8",
    )
    expected = mock_preview(BROKEN)["violations"]
    mandatory = [v for v in expected if v["level"] == "mandatory"]
    assert mandatory, "the violating stack must violate a mandatory policy"

    result = pulumi.run(
        "preview",
        "--stack",
        "broken",
        "--policy-pack",
        str(ROOT / "policies"),
        "--policy-pack-config",
        str(config),
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    for violation in expected:
        assert violation["policy"] in output, (violation, output[-6000:])
        assert violation["message"] in output, (violation, output[-6000:])
