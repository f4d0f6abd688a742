"""``govcloud preview`` runs the pack on the mocked stack: a broken stack fails, the shipped ones pass."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.process import ROOT, govcloud

BROKEN = Path(__file__).resolve().parent / "stacks" / "broken.yaml"


def preview(stack: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # COLUMNS=200: one table row per violation
    return govcloud("preview", "--stack", str(stack), *extra, env={"COLUMNS": "200"}, timeout=300)


def test_broken_stack_yields_exactly_the_expected_violations() -> None:
    result = preview(BROKEN, "--json")
    assert result.returncode == 1, result.stderr
    found = [
        (v["policy"], v["level"], v["resource"], v["message"])
        for v in json.loads(result.stdout)["violations"]
    ]
    expected = [
        (
            "remote-backup-required",
            "mandatory",
            "edu",
            "has no Swift container in its home region 'shenyang'",
        ),
        ("remote-backup-required", "mandatory", "edu", "needs 1 remote replica(s)"),
        (
            "remote-backup-required",
            "mandatory",
            "health",
            "needs 2 remote replica(s) outside home region 'shenyang' linked by container sync; it has 1",
        ),
        ("core-data-encrypted", "mandatory", "health", "has no encrypted volume type"),
        (
            "quota-within-capacity",
            "advisory",
            "(stack)",
            "quotas promise 40 vCPU, more than the 32 allocatable",
        ),
    ]
    assert [f[:3] for f in found] == [e[:3] for e in expected]
    for (_, _, _, message), (_, _, _, phrase) in zip(found, expected, strict=True):
        assert phrase in message


def test_broken_stack_human_view_lists_the_violations() -> None:
    result = preview(BROKEN)
    assert result.returncode == 1, result.stderr
    for phrase in (
        "Policy violations",
        "remote-backup-required",
        "core-data-encrypted",
        "quota-within-capacity",
        "blocked",
    ):
        assert phrase in result.stdout


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_shipped_stacks_have_no_violation(name: str) -> None:
    result = preview(ROOT / "stacks" / f"{name}.yaml", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["violations"] == []


def test_program_without_the_encryption_spec_fails_the_preview(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The volume type alone is not encryption: without its Cinder encryption spec the preview fails."""
    from govcloud.cli import main
    from infra import encryption

    monkeypatch.setattr(encryption, "VolumeTypeEncryption", lambda *args, **kwargs: None)
    code = main(["preview", "--stack", str(ROOT / "stacks" / "dev.yaml"), "--json"])
    violations = json.loads(capsys.readouterr().out)["violations"]
    assert code == 1
    found = {(v["policy"], v["resource"]) for v in violations}
    assert found == {
        ("core-data-encrypted", "health-encryption-volume-type"),
        ("core-data-encrypted", "police-encryption-volume-type"),
    }
    assert all("has no Cinder encryption spec" in v["message"] for v in violations)
