"""Every PromQL in the dashboard and the rules names only metrics the exporter emits or rules record."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from monitoring.backup_canary import FAMILIES as CANARY_FAMILIES
from tests.monitoring.conftest import DASHBOARD, RULES, dev_inventory_path, govcloud

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_OFFSET = re.compile(r"\boffset\s+-?\w+")
_IDENT = re.compile(r"(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "inf",
    "nan",
}


def metric_names(expr: str) -> set[str]:
    """The metric and recording-rule names a PromQL expression selects."""
    expr = _STRING.sub('""', expr)
    for pattern in (_MATCHERS, _RANGES, _LABEL_LISTS, _OFFSET):
        expr = pattern.sub(" ", expr)
    names = set()
    for match in _IDENT.finditer(expr):
        name = match.group()
        if name.lower() in _KEYWORDS or expr[match.end() :].lstrip().startswith("("):
            continue  # a keyword or a function call
        names.add(name)
    return names


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('govcloud_zone_utilization_ratio{zone=~"$zone"}', {"govcloud_zone_utilization_ratio"}),
        (
            "histogram_quantile(0.95, sum by (le) (rate(x_bucket[$__rate_interval])))",
            {"x_bucket"},
        ),
        ("a:b:c - on(zone, unit) group_left(region) d offset 1h > bool 1e3", {"a:b:c", "d"}),
        ('sum without (tenant) (m{resource="cpu"}) / ignoring(x) n unless o', {"m", "n", "o"}),
        ("time() - max(last_ts) > clamp_min(3 * iv, 600)", {"last_ts", "iv"}),
    ],
)
def test_metric_names_parser(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def _dashboard_exprs() -> Iterator[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]
    for variable in dashboard["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            # label_values(metric, label): the metric is the first argument.
            match = re.fullmatch(r"label_values\((\w+),\s*\w+\)", query["query"])
            assert match, query
            yield f"variable {variable['name']}", match.group(1)


def _rules() -> list[dict]:
    return [
        r
        for f in sorted(RULES.glob("*.yml"))
        for g in yaml.safe_load(f.read_text())["groups"]
        for r in g["rules"]
    ]


@pytest.fixture(scope="module")
def known_names() -> set[str]:
    """Sample names the exporter emits for the dev inventory (after one loop run), the backup canary's
    and recorded names."""
    result = govcloud("metrics", "--inventory", str(dev_inventory_path()))
    assert result.returncode == 0, result.stderr
    emitted = {s.name for family in text_string_to_metric_families(result.stdout) for s in family.samples}
    assert "govcloud_zone_utilization_ratio" in emitted and "govcloud_zone_imbalance_ratio" in emitted
    # The backup canary's families appear only with --openstack --stack (tests/monitoring/test_backup_canary.py).
    return emitted | set(CANARY_FAMILIES) | {rule["record"] for rule in _rules() if "record" in rule}


def test_dashboard_names_only_existing_metrics(known_names: set[str]) -> None:
    exprs = list(_dashboard_exprs())
    assert len(exprs) >= 20
    for title, expr in exprs:
        names = metric_names(expr)
        assert names, f"{title}: no metric in {expr!r}"
        assert names <= known_names, f"{title}: unknown {sorted(names - known_names)} in {expr!r}"


def test_rules_name_only_existing_metrics(known_names: set[str]) -> None:
    for rule in _rules():
        names = metric_names(rule["expr"])
        assert names, rule
        assert names <= known_names, (
            f"{rule.get('record') or rule['alert']}: unknown {sorted(names - known_names)}"
        )


def test_dashboard_covers_zones_tenants_headroom_and_plans() -> None:
    text = " ".join(expr for _, expr in _dashboard_exprs())
    for needle in (
        "govcloud_zone_utilization_ratio",
        "govcloud_tenant_quota_usage",
        "govcloud_zone_failover_headroom",
        "govcloud_plan_moves",
        "govcloud_rebalancer_moves_applied_total",
    ):
        assert needle in text
