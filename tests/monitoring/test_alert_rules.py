"""The shipped rules pass promtool, each has a unit test, and alerts carry summary, description, severity."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.monitoring.conftest import RULES

RULE_FILES = sorted(RULES.glob("*.yml"))
TEST_FILES = sorted((RULES / "tests").glob("*.yml"))


def _promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool is missing: run `make prometheus` (installs Debian's prometheus package)"
    return path


def _rules() -> list[dict]:
    return [
        rule
        for f in RULE_FILES
        for group in yaml.safe_load(f.read_text())["groups"]
        for rule in group["rules"]
    ]


def test_rule_files_exist() -> None:
    assert {f.name for f in RULE_FILES} >= {"recording.yml", "alerts.yml"}
    assert TEST_FILES


def test_promtool_check_rules() -> None:
    result = subprocess.run(
        [_promtool(), "check", "rules", *map(str, RULE_FILES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("test_file", TEST_FILES, ids=lambda p: p.name)
def test_promtool_unit_tests(test_file) -> None:
    result = subprocess.run(
        [_promtool(), "test", "rules", test_file.name], cwd=test_file.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rule_has_a_unit_test() -> None:
    tested_records: set[str] = set()
    firing_alerts: set[str] = set()
    quiet_alerts: set[str] = set()
    for test_file in TEST_FILES:
        for case in yaml.safe_load(test_file.read_text())["tests"]:
            for expr_test in case.get("promql_expr_test", []):
                tested_records.add(expr_test["expr"].strip())
            for alert_test in case.get("alert_rule_test", []):
                (firing_alerts if alert_test.get("exp_alerts") else quiet_alerts).add(alert_test["alertname"])
    records = {rule["record"] for rule in _rules() if "record" in rule}
    alerts = {rule["alert"] for rule in _rules() if "alert" in rule}
    assert records - tested_records == set(), "recording rules without a promql_expr_test"
    assert alerts - firing_alerts == set(), "alerts never expected to fire in a test"
    assert alerts - quiet_alerts == set(), "alerts never expected to stay quiet in a test"


def test_alerts_have_summary_description_and_severity() -> None:
    alerts = [rule for rule in _rules() if "alert" in rule]
    assert len(alerts) >= 7
    for rule in alerts:
        assert rule["alert"].startswith("Govcloud"), rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert rule["annotations"]["description"].strip(), rule["alert"]


def test_recording_rule_names_follow_level_metric_operations() -> None:
    for rule in _rules():
        if "record" in rule:
            level, metric, operations = rule["record"].split(":")
            assert level and operations and metric.startswith("govcloud_"), rule["record"]
