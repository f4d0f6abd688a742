"""What the exporter shows for an inventory and a plan: values, labels, units, names, stale series."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from monitoring.collector import build_exporter
from monitoring.observation import Observation
from scheduler.model.imbalance import imbalance, spreads, zone_utilization
from scheduler.model.inventory import Inventory
from scheduler.model.inventory_file import load_inventory, parse_inventory
from scheduler.model.move import Move
from scheduler.model.plan import Plan, Snapshot
from scheduler.model.resource import resource as resource_named

GIB = 2.0**30
NAME = re.compile(r"^govcloud_[a-z0-9_]+$")


def _samples(text: str) -> dict[str, dict[frozenset, float]]:
    out: dict[str, dict[frozenset, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[frozenset(sample.labels.items())] = sample.value
    return out


def _labels(**labels: str) -> frozenset:
    return frozenset(labels.items())


def _plan(inv: Inventory) -> Plan:
    moves = (
        Move("health/emr-0", "health", "a1", "b1", "zone-a", "zone-b"),
        Move("health/emr-1", "health", "a1", "b2", "zone-a", "zone-b"),
        Move("health/lab-0", "health", "a2", "c1", "zone-a", "zone-c"),
    )
    after = inv.with_placement({m.workload: m.to_host for m in moves})
    return Plan(moves, Snapshot.of(inv), Snapshot.of(after), lower_bound=0.05)


@pytest.fixture
def inv(test_inventory) -> Inventory:
    return load_inventory(test_inventory)


def _scrape(inv: Inventory, plan: Plan | None = None) -> dict[str, dict[frozenset, float]]:
    exporter = build_exporter("9.9.9")
    exporter.holder.publish(Observation.of(inv, plan, 1_700_000_000.0))
    text = exporter.body.text().decode()
    # The served body and the registry (fresh families) say the same.
    assert _samples(generate_latest(exporter.registry).decode()).keys() == _samples(text).keys()
    return _samples(text)


def test_zone_utilization_is_exactly_the_contract_util(inv: Inventory) -> None:
    samples = _scrape(inv)
    expected = zone_utilization(inv)
    got = samples["govcloud_zone_utilization_ratio"]
    assert got == {
        _labels(zone=zone, resource=resource): value
        for zone, row in expected.items()
        for resource, value in row.items()
    }
    assert got[_labels(zone="zone-a", resource="cpu")] == 56 / 64


def test_imbalance_per_resource_and_overall(inv: Inventory) -> None:
    samples = _scrape(inv)
    assert samples["govcloud_zone_imbalance_ratio"] == {
        _labels(resource=r): v for r, v in spreads(zone_utilization(inv)).items()
    }
    assert samples["govcloud_imbalance_ratio"] == {frozenset(): imbalance(zone_utilization(inv))}
    assert samples["govcloud_imbalance_ratio"][frozenset()] == pytest.approx(0.875 - 4 / 64)


def test_zone_capacity_and_allocated_in_base_units(inv: Inventory) -> None:
    samples = _scrape(inv)
    a_cpu = _labels(zone="zone-a", region="shenyang", resource="cpu", unit="core")
    c_mem = _labels(zone="zone-c", region="dalian", resource="memory_gib", unit="byte")
    assert samples["govcloud_zone_capacity"][a_cpu] == 64
    assert samples["govcloud_zone_allocated"][a_cpu] == 56
    # zone-c's cordoned host still counts towards capacity (as in the imbalance definition).
    assert samples["govcloud_zone_capacity"][c_mem] == 256 * GIB
    assert samples["govcloud_zone_allocated"][c_mem] == 34 * GIB
    assert samples["govcloud_zone_hosts"][_labels(zone="zone-c", region="dalian", schedulable="false")] == 1
    assert samples["govcloud_zone_workloads"][_labels(zone="zone-a", region="shenyang")] == 8


def test_capacity_before_and_after_overcommit(test_inventory: Path) -> None:
    data = yaml.safe_load(test_inventory.read_text())
    a1, a2 = data["zones"][0]["hosts"]
    a1["allocation_ratio"] = {"cpu": 4.0}
    a2["allocation_ratio"] = {"cpu": 2.0, "memory_gib": 1.5}
    data["zones"][1]["hosts"][0]["capacity"]["gpu"] = 0  # a resource no zone has: no ratio at all
    inv = parse_inventory(data)
    samples = _scrape(inv)
    for zone in data["zones"]:
        for resource in ("cpu", "memory_gib", "gpu"):
            unit = resource_named(resource)
            hosts = zone["hosts"]
            capacity = sum(h["capacity"].get(resource, 0) for h in hosts)
            physical = sum(
                h["capacity"].get(resource, 0) / h.get("allocation_ratio", {}).get(resource, 1.0)
                for h in hosts
            )
            amounts = _labels(zone=zone["name"], region=zone["region"], resource=resource, unit=unit.unit)
            ratio = _labels(zone=zone["name"], resource=resource)
            assert samples["govcloud_zone_capacity"][amounts] == capacity * unit.factor
            assert samples["govcloud_zone_physical_capacity"][amounts] == pytest.approx(
                physical * unit.factor
            )
            if physical > 0:
                assert samples["govcloud_zone_overcommit_ratio"][ratio] == pytest.approx(capacity / physical)
            else:
                assert ratio not in samples["govcloud_zone_overcommit_ratio"]
    # The zone's ratio weighs its hosts by size (64 cores promised on 8 + 16), not the mean of 4 and 2.
    assert samples["govcloud_zone_overcommit_ratio"][_labels(zone="zone-a", resource="cpu")] == 64 / 24
    assert samples["govcloud_zone_overcommit_ratio"][_labels(zone="zone-b", resource="cpu")] == 1.0
    # Utilization stays requests / capacity after overcommit.
    assert samples["govcloud_zone_utilization_ratio"][_labels(zone="zone-a", resource="cpu")] == 56 / 64


def test_failover_spare_per_zone(inv: Inventory) -> None:
    spare = _scrape(inv)["govcloud_zone_failover_spare"]
    # zone-a fails: zone-b has 60 cpu free, zone-c only its schedulable c1 (32 - 9).
    assert spare[_labels(zone="zone-a", region="shenyang", resource="cpu", unit="core")] == 60 + 23
    # zone-c fails: zone-a has 8 cpu free, zone-b 60.
    assert spare[_labels(zone="zone-c", region="dalian", resource="cpu", unit="core")] == 8 + 60


def test_tenant_quota_limit_and_usage(inv: Inventory) -> None:
    samples = _scrape(inv)
    health_a = _labels(tenant="health", zone="zone-a", resource="cpu", unit="core")
    assert samples["govcloud_tenant_quota_limit"][health_a] == 60
    assert samples["govcloud_tenant_usage"][health_a] == 56
    assert samples["govcloud_tenant_usage"][
        _labels(tenant="edu", zone="zone-c", resource="memory_gib", unit="byte")
    ] == (32 * GIB)
    # edu has no quota in zone-c: unlimited, so no limit series; the tenant-less dns workload is left out.
    assert (
        _labels(tenant="edu", zone="zone-c", resource="cpu", unit="core")
        not in samples["govcloud_tenant_quota_limit"]
    )
    assert all(dict(labels)["tenant"] in {"health", "edu"} for labels in samples["govcloud_tenant_usage"])
    # edu has a cpu quota in zone-b but no memory quota there.
    assert (
        samples["govcloud_tenant_quota_limit"][
            _labels(tenant="edu", zone="zone-b", resource="cpu", unit="core")
        ]
        == 16
    )
    assert samples["govcloud_tenant_workloads"][_labels(tenant="health", zone="zone-a")] == 8


def test_last_plan_by_route(inv: Inventory) -> None:
    plan = _plan(inv)
    samples = _scrape(inv, plan)
    assert samples["govcloud_plan_moves"] == {
        _labels(from_zone="zone-a", to_zone="zone-b"): 2,
        _labels(from_zone="zone-a", to_zone="zone-c"): 1,
    }
    stages = samples["govcloud_plan_imbalance_ratio"]
    assert stages[_labels(stage="before")] == plan.before.imbalance
    assert stages[_labels(stage="after")] == plan.after.imbalance < plan.before.imbalance
    assert stages[_labels(stage="lower_bound")] == 0.05
    assert samples["govcloud_plan_timestamp_seconds"] == {frozenset(): 1_700_000_000.0}


def test_no_plan_no_plan_series(inv: Inventory) -> None:
    samples = _scrape(inv, None)
    assert not any(name.startswith("govcloud_plan_") for name in samples)
    assert "govcloud_zone_utilization_ratio" in samples


def test_names_units_and_build_info(inv: Inventory) -> None:
    samples = _scrape(inv, _plan(inv))
    for name in samples:
        assert NAME.match(name), name
    assert samples["govcloud_build_info"] == {
        frozenset({("version", "9.9.9"), ("python_version", platform.python_version())}): 1
    }
    assert "govcloud_rebalancer_refresh_errors_total" in samples
    assert "govcloud_rebalancer_plan_duration_seconds_bucket" in samples
    assert "govcloud_rebalancer_last_success_timestamp_seconds" in samples


def test_stale_series_vanish_on_the_next_observation(inv: Inventory) -> None:
    exporter = build_exporter("1")
    exporter.holder.publish(Observation.of(inv, _plan(inv), 1.0))
    before = _samples(exporter.body.text().decode())
    assert _labels(tenant="edu", zone="zone-c") in before["govcloud_tenant_workloads"]
    smaller = Inventory(inv.zones, inv.tenants, tuple(w for w in inv.workloads if w.tenant != "edu"))
    exporter.holder.publish(Observation.of(smaller, None, 2.0))
    after = _samples(exporter.body.text().decode())
    assert all(dict(labels)["tenant"] != "edu" for labels in after["govcloud_tenant_workloads"])
    assert "govcloud_plan_moves" not in after


def test_nothing_but_loop_metrics_before_the_first_refresh() -> None:
    exporter = build_exporter("1")
    samples = _samples(exporter.body.text().decode())
    assert "govcloud_zone_utilization_ratio" not in samples
    assert "govcloud_build_info" in samples
