"""Residency read from the dev stack matches what the shipped example inventory declares."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scheduler.model.inventory_file import load_inventory
from scheduler.model.residency import stack_residency, with_residency
from stacks import load_stack

ROOT = Path(__file__).resolve().parents[2]


def test_dev_stack_residency_limits_core_tenants() -> None:
    residency = stack_residency(load_stack(ROOT / "stacks" / "dev.yaml").spec)
    assert residency == {"health": frozenset({"sy-az1", "sy-az2"}), "police": frozenset({"sy-az1", "sy-az2"})}


def test_applying_it_restricts_workloads_and_keeps_tighter_limits() -> None:
    inv = load_inventory(ROOT / "scheduler" / "examples" / "dev-inventory.yaml")
    loose = replace(inv, workloads=tuple(replace(w, allowed_zones=None) for w in inv.workloads))
    residency = {"health": frozenset({"sy-az1", "sy-az2"}), "edu": frozenset({"sy-az3", "sy-az1"})}
    tight = with_residency(loose, residency)
    assert tight.workload("health/his-0").allowed_zones == {"sy-az1", "sy-az2"}
    assert tight.workload("edu/lms-0").allowed_zones == {"sy-az1", "sy-az3"}
    assert tight.workload("police/db-0").allowed_zones is None
    narrowed = with_residency(inv, {"police": frozenset({"sy-az2"})})
    assert narrowed.workload("police/db-0").allowed_zones == {"sy-az2"}
