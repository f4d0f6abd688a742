"""Reading inventory files: the shipped example, the schema, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from scheduler.model.imbalance import imbalance, zone_utilization
from scheduler.model.inventory_file import (
    InventoryError,
    inventory_json_schema,
    inventory_to_dict,
    load_inventory,
    parse_inventory,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scheduler" / "examples" / "dev-inventory.yaml"
SCHEMA = ROOT / "scheduler" / "model" / "inventory.schema.json"


def small() -> dict[str, Any]:
    return {
        "zones": [
            {"name": "a", "hosts": [{"name": "a1", "capacity": {"cpu": 8}}]},
            {"name": "b", "hosts": [{"name": "b1", "capacity": {"cpu": 8}}]},
        ],
        "tenants": [{"name": "t", "quota": {"a": {"cpu": 4}}}],
        "workloads": [{"name": "t/w", "tenant": "t", "host": "a1", "requests": {"cpu": 2}}],
    }


def test_shipped_example_matches_the_dev_stack() -> None:
    inv = load_inventory(EXAMPLE)
    stack = yaml.safe_load((ROOT / "stacks" / "dev.yaml").read_text())
    primary = next(r for r in stack["regions"] if r["role"] == "primary")
    assert [z.name for z in inv.zones] == [z["name"] for z in primary["zones"]]
    assert {z.region for z in inv.zones} == {primary["name"]}
    overcommit = {z["name"]: z["overcommit"] for z in primary["zones"]}
    for host in inv.hosts:
        ratios = overcommit[host.zone]
        assert (host.ratio("cpu"), host.ratio("memory_gib")) == (ratios["vcpu"], ratios["ram"]), host.name
    assert {t.name for t in inv.tenants} == {t["name"] for t in stack["tenants"]}
    core = {t["name"] for t in stack["tenants"] if t["classification"] == "core"}
    core_zones = set(stack["classifications"]["core"]["zones"])
    for w in inv.workloads:
        if w.tenant in core:
            assert w.allowed_zones == core_zones, w.name
    assert any(not w.movable for w in inv.workloads)
    assert len({w.group for w in inv.workloads if w.group}) >= 2
    assert imbalance(zone_utilization(inv)) > 0.5  # noticeably unbalanced


def test_shipped_schema_is_the_generated_one() -> None:
    assert json.loads(SCHEMA.read_text()) == inventory_json_schema()


def test_shipped_example_fits_the_schema_shape() -> None:
    schema = inventory_json_schema()
    data = yaml.safe_load(EXAMPLE.read_text())
    assert set(data) <= set(schema["properties"])
    workload_keys = set(schema["$defs"]["WorkloadEntry"]["properties"])
    assert all(set(w) <= workload_keys for w in data["workloads"])


def test_round_trip_through_the_contract_shape() -> None:
    inv = load_inventory(EXAMPLE)
    assert parse_inventory(inventory_to_dict(inv)) == inv


def test_allocation_ratio_gives_physical_capacity_and_round_trips() -> None:
    data = small()
    data["zones"][0]["hosts"][0]["capacity"]["mem"] = 64
    data["zones"][0]["hosts"][0]["allocation_ratio"] = {"cpu": 4, "mem": 1.0}
    inv = parse_inventory(data)
    a1, b1 = inv.host("a1"), inv.host("b1")
    assert (a1.capacity["cpu"], a1.physical("cpu"), a1.ratio("cpu")) == (8.0, 2.0, 4.0)
    assert (a1.physical("mem"), a1.ratio("mem")) == (64.0, 1.0)
    assert (b1.physical("cpu"), b1.ratio("cpu")) == (8.0, 1.0)  # default: no overcommit
    written = inventory_to_dict(inv)
    hosts = {h["name"]: h for z in written["zones"] for h in z["hosts"]}
    assert hosts["a1"]["allocation_ratio"] == {"cpu": 4.0}  # 1.0 is the default: not written
    assert "allocation_ratio" not in hosts["b1"]
    assert parse_inventory(written) == inv


def test_utilization_follows_the_contract() -> None:
    data = small()
    data["zones"][1]["hosts"].append({"name": "b2", "capacity": {"cpu": 8, "gpu": 0}})
    data["workloads"].append({"name": "x", "host": "b1", "requests": {"cpu": 4}})
    util = zone_utilization(parse_inventory(data))
    assert util == {"a": {"cpu": 0.25}, "b": {"cpu": 0.25}}  # gpu: no zone has capacity, left out
    assert imbalance(util) == 0.0


def broken(change: str) -> dict[str, Any]:
    data = small()
    if change == "unknown host":
        data["workloads"][0]["host"] = "nowhere"
    elif change == "duplicate workload":
        data["workloads"].append(dict(data["workloads"][0]))
    elif change == "duplicate host":
        data["zones"][1]["hosts"][0]["name"] = "a1"
    elif change == "duplicate zone":
        data["zones"][1]["name"] = "a"
    elif change == "negative request":
        data["workloads"][0]["requests"]["cpu"] = -1
    elif change == "negative capacity":
        data["zones"][0]["hosts"][0]["capacity"]["cpu"] = -8
    elif change == "unknown zone in quota":
        data["tenants"][0]["quota"]["zz"] = {"cpu": 1}
    elif change == "unknown zone in allowed_zones":
        data["workloads"][0]["allowed_zones"] = ["a", "zz"]
    elif change == "unknown tenant":
        data["workloads"][0]["tenant"] = "nobody"
    elif change == "unknown resource":
        data["workloads"][0]["requests"]["cpus"] = 1
    elif change == "unknown key":
        data["workloads"][0]["hostname"] = "a1"
    elif change == "missing host":
        del data["workloads"][0]["host"]
    elif change == "not a number":
        data["workloads"][0]["requests"]["cpu"] = "lots"
    elif change == "zero allocation ratio":
        data["zones"][0]["hosts"][0]["allocation_ratio"] = {"cpu": 0}
    elif change == "allocation ratio without capacity":
        data["zones"][0]["hosts"][0]["allocation_ratio"] = {"ram": 1.5}
    return data


ERRORS = [
    ("unknown host", "workloads[0] (t/w).host", "unknown host 'nowhere'"),
    ("duplicate workload", "workloads[1] (t/w)", "duplicate workload name"),
    ("duplicate host", "zones[1].hosts[0] (a1)", "duplicate host name"),
    ("duplicate zone", "zones[1] (a)", "duplicate zone name"),
    ("negative request", "workloads[0] (t/w).requests.cpu", "must be a number >= 0"),
    ("negative capacity", "zones[0].hosts[0] (a1).capacity.cpu", "must be a number >= 0"),
    ("unknown zone in quota", "tenants[0] (t).quota.zz", "unknown zone 'zz'"),
    ("unknown zone in allowed_zones", "workloads[0] (t/w).allowed_zones", "unknown zone 'zz'"),
    ("unknown tenant", "workloads[0] (t/w).tenant", "unknown tenant 'nobody'"),
    ("unknown resource", "workloads[0] (t/w).requests.cpus", "no host has capacity for 'cpus'"),
    ("unknown key", "workloads[0] (t/w).hostname", "unknown key"),
    ("missing host", "workloads[0] (t/w).host", "required field is missing"),
    ("not a number", "workloads[0] (t/w).requests.cpu", "valid number"),
    ("zero allocation ratio", "zones[0].hosts[0] (a1).allocation_ratio.cpu", "must be a number > 0, got 0"),
    (
        "allocation ratio without capacity",
        "zones[0].hosts[0] (a1).allocation_ratio.ram",
        "the host has no capacity for 'ram'",
    ),
]


@pytest.mark.parametrize(("change", "where", "reason"), ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_inventory_names_file_entry_and_reason(change: str, where: str, reason: str) -> None:
    with pytest.raises(InventoryError) as caught:
        parse_inventory(broken(change), "inv.yaml")
    message = str(caught.value)
    assert f"inv.yaml: {where}: " in message
    assert reason in message


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read the file"):
        load_inventory(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("zones: [\n")
    with pytest.raises(InventoryError, match=r"bad.yaml:2: not valid YAML"):
        load_inventory(bad)
    scalar = tmp_path / "scalar.json"
    scalar.write_text("42")
    with pytest.raises(InventoryError, match="expected a mapping"):
        load_inventory(scalar)
