"""The ``govcloud validate`` and ``govcloud schema`` commands as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.process import ROOT, govcloud


def test_validate_summarises_the_dev_stack() -> None:
    result = govcloud("validate", "stacks/dev.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "valid" in out
    for expected in ("sy-az1", "省卫生健康委员会", "2001:db8:1001::/48", "10.16.16.0/24", "dalian x2", "52%"):
        assert expected in out, expected
    assert "1 general, 1 important, 2 core (4 in all)" in out


def test_validate_bad_stack_exits_2_with_located_error(tmp_path: Path) -> None:
    text = (ROOT / "stacks" / "dev.yaml").read_text(encoding="utf-8").replace("slot: 2", "slot: 1", 1)
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    result = govcloud("validate", str(broken))
    assert result.returncode == 2
    assert result.stdout == ""
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip() == "slot: 1" and i > 50)
    assert (
        f"{broken}:{line}: tenants[1].slot: region and slot ('shenyang', 1) is already used" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_validate_strict_turns_warnings_into_findings(tmp_path: Path) -> None:
    text = (ROOT / "stacks" / "dev.yaml").read_text(encoding="utf-8")
    text = text.replace("overcommit_allowed: false", "overcommit_allowed: true")
    text = text.replace("compute: {cores: 128, ram_gib: 256", "compute: {cores: 128, ram_gib: 900")
    stack = tmp_path / "over.yaml"
    stack.write_text(text, encoding="utf-8")
    assert govcloud("validate", "-q", str(stack)).returncode == 0
    strict = govcloud("validate", "-q", "--strict", str(stack))
    assert strict.returncode == 1
    assert "warning" in strict.stderr and "1316 GiB of ram" in strict.stderr


def test_missing_file_exits_2() -> None:
    result = govcloud("validate", "stacks/none.yaml")
    assert result.returncode == 2
    assert "stacks/none.yaml" in result.stderr and "cannot read the file" in result.stderr


def test_schema_is_json_schema_of_the_stack() -> None:
    result = govcloud("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) == {"cloud", "regions"}
    assert schema["additionalProperties"] is False
    assert "Tenant" in schema["$defs"]


@pytest.mark.parametrize("command", ["validate", "schema"])
def test_every_command_has_help(command: str) -> None:
    result = govcloud(command, "--help")
    assert result.returncode == 0
    assert "usage: govcloud" in result.stdout
