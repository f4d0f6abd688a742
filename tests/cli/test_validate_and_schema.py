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


PROD_NEWCOMER = """
  - name: newcomer
    display_name: 新机构
    classification: general
    home_region: shenyang
    slot: 17
    groups: {admin: [newcomer-admins]}
    quotas:
      compute: {cores: 8, ram_gib: 16, instances: 4}
      network: {networks: 1, subnets: 2, ports: 20, routers: 1, security_groups: 5, floating_ips: 1}
      block_storage: {volumes: 4, gigabytes: 100, snapshots: 4, backups: 4}
      object_storage: {bytes: 1TiB}
    networks:
      - {name: app, slot: 0, stack: ipv6-only, ipv6_mode: slaac}
"""


@pytest.mark.parametrize("command", [["validate"], ["preview", "--stack"]], ids=["validate", "preview"])
def test_new_tenant_on_a_retired_prod_slot_exits_2(tmp_path: Path, command: list[str]) -> None:
    text = (ROOT / "stacks" / "prod.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + PROD_NEWCOMER
    stack = tmp_path / "prod.yaml"
    stack.write_text(text, encoding="utf-8")
    result = govcloud(*command, str(stack))
    assert result.returncode == 2, result.stdout + result.stderr
    line = len(text.splitlines()) - PROD_NEWCOMER.count("\n") + 6
    assert text.splitlines()[line - 1].strip() == "slot: 17"
    assert (
        f"{stack}:{line}: tenants[44].slot: slot 17 of region 'shenyang' is retired "
        "(regions[0].retired_slots[0]) and is never reused" in result.stderr
    ), result.stderr
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
