"""``govcloud rebalance`` and ``govcloud drain`` run as a user runs them (subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.cli.process import ROOT, govcloud
from tests.scheduler.plan_checker import check_plan

EXAMPLE = str(ROOT / "scheduler" / "examples" / "dev-inventory.yaml")


def example() -> dict:
    return yaml.safe_load(Path(EXAMPLE).read_text())


def test_rebalance_json_is_the_contract_plan() -> None:
    result = govcloud("rebalance", "--inventory", EXAMPLE, "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert {"moves", "before", "after", "lower_bound"} <= set(plan)
    assert plan["moves"]
    assert plan["after"]["imbalance"] < plan["before"]["imbalance"]
    assert check_plan(example(), plan) == []


def test_rebalance_exact_with_a_move_limit() -> None:
    result = govcloud("rebalance", "--inventory", EXAMPLE, "--exact", "--max-moves", "3", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert len(plan["moves"]) <= 3
    assert check_plan(example(), plan, max_moves=3) == []
    assert plan["lower_bound"] <= plan["after"]["imbalance"]


def test_rebalance_human_view() -> None:
    result = govcloud("rebalance", "--inventory", EXAMPLE)
    assert result.returncode == 0, result.stderr
    for text in ("Zone utilization", "sy-az1", "Moves", "Imbalance", "lower bound", "gap"):
        assert text in result.stdout


def test_bad_inventory_exits_2_without_traceback(tmp_path: Path) -> None:
    data = example()
    data["workloads"][0]["host"] = "sy9-h9"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    for command in (("rebalance",), ("drain", "--zone", "sy-az1")):
        result = govcloud(*command, "--inventory", str(bad))
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert f"{bad}: workloads[0] (health/his-0).host: unknown host 'sy9-h9'" in result.stderr
        assert result.stdout == ""


def test_bad_arguments_exit_2() -> None:
    assert govcloud("rebalance", "--inventory", EXAMPLE, "--max-moves", "-1").returncode == 2
    result = govcloud("drain", "--inventory", EXAMPLE, "--zone", "sy-az9")
    assert result.returncode == 2
    assert "unknown zone 'sy-az9'" in result.stderr


def test_drain_a_zone_that_can_be_emptied() -> None:
    result = govcloud("drain", "--inventory", EXAMPLE, "--zone", "sy-az3", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["feasible"] is True
    moved = {m["workload"] for m in out["plan"]["moves"]}
    assert moved == {"transport/api-1", "edu/lms-4"}
    assert all(m["to_zone"] != "sy-az3" for m in out["plan"]["moves"])


def test_drain_a_zone_that_cannot_be_emptied_says_why() -> None:
    result = govcloud("drain", "--inventory", EXAMPLE, "--zone", "sy-az2", "--json")
    assert result.returncode == 1
    out = json.loads(result.stdout)
    assert out["feasible"] is False
    assert "plan" not in out
    reasons = {s["workload"]: s["reasons"] for s in out["shortfalls"]}
    assert reasons["police/db-1"] == ["police/db-1 is pinned (movable: false)"]
    assert "sy-az3: not in its allowed_zones" in reasons["health/his-2"]
    tenants = {(row["tenant"], row["resource"]) for row in out["by_tenant"]}
    assert ("police", "cpu") in tenants
    human = govcloud("drain", "--inventory", EXAMPLE, "--zone", "sy-az2")
    assert human.returncode == 1
    assert "cannot be emptied" in human.stdout
