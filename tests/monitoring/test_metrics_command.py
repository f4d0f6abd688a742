"""``govcloud metrics``: one exposition snapshot of an inventory and its plan."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from scheduler.model.imbalance import imbalance, zone_utilization
from scheduler.model.inventory_file import load_inventory
from tests.monitoring.conftest import govcloud


def test_prints_the_snapshot_with_the_plan(dev_inventory: Path) -> None:
    result = govcloud("metrics", "--inventory", str(dev_inventory))
    assert result.returncode == 0, result.stderr
    samples: dict[str, dict[frozenset, float]] = {}
    for family in text_string_to_metric_families(result.stdout):
        for s in family.samples:
            samples.setdefault(s.name, {})[frozenset(s.labels.items())] = s.value
    util = zone_utilization(load_inventory(dev_inventory))
    assert samples["govcloud_zone_utilization_ratio"] == {
        frozenset({("zone", z), ("resource", r)}): v for z, row in util.items() for r, v in row.items()
    }
    assert samples["govcloud_imbalance_ratio"][frozenset()] == imbalance(util)
    stages = {dict(labels)["stage"]: v for labels, v in samples["govcloud_plan_imbalance_ratio"].items()}
    assert stages["before"] == imbalance(util)
    assert stages["after"] <= stages["before"]
    assert samples["govcloud_rebalancer_runs_total"][frozenset({("outcome", "ok")})] == 1
    assert samples["govcloud_rebalancer_plan_duration_seconds_count"][frozenset()] == 1


def test_the_test_inventory_gets_moves_out_of_the_hot_zone(test_inventory: Path) -> None:
    result = govcloud("metrics", "--inventory", str(test_inventory))
    assert result.returncode == 0, result.stderr
    moves = {
        (s.labels["from_zone"], s.labels["to_zone"]): s.value
        for family in text_string_to_metric_families(result.stdout)
        if family.name == "govcloud_plan_moves"
        for s in family.samples
    }
    assert moves and all(src == "zone-a" for src, _ in moves)


def test_a_bad_inventory_exits_2_naming_the_file_and_entry(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("zones:\n  - name: z\n    hosts:\n      - {name: h, capacity: {cpu: -4}}\n")
    result = govcloud("metrics", "--inventory", str(bad))
    assert result.returncode == 2
    assert "bad.yaml" in result.stderr and "capacity" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
