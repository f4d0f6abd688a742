"""Both shipped stacks validate and look like the cloud they claim to be."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from stacks import load_stack
from stacks.address_plan import address_plan
from stacks.classification import Level
from stacks.region import SiteRole
from stacks.replica import backup_plan
from stacks.schema import stack_schema_json

ROOT = Path(__file__).resolve().parents[2]
STACKS = sorted((ROOT / "stacks").glob("*.yaml"))


def test_dev_and_prod_are_shipped() -> None:
    assert {p.stem for p in STACKS} >= {"dev", "prod"}


@pytest.mark.parametrize("path", STACKS, ids=lambda p: p.stem)
def test_shipped_stack_validates_without_warnings(path: Path) -> None:
    stack = load_stack(path)
    assert stack.warnings == ()
    assert stack.name == path.stem


@pytest.mark.parametrize("path", STACKS, ids=lambda p: p.stem)
def test_shipped_stack_prefixes_never_overlap(path: Path) -> None:
    spec = load_stack(path).spec
    prefixes = [n.ipv6 for t in address_plan(spec) for n in t.networks]
    prefixes += [n.ipv4 for t in address_plan(spec) for n in t.networks if n.ipv4]
    for i, a in enumerate(prefixes):
        for b in prefixes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_dev_is_small() -> None:
    spec = load_stack(ROOT / "stacks" / "dev.yaml").spec
    assert len(spec.regions) == 2
    assert len(spec.zones) == 3
    assert 3 <= len(spec.tenants) <= 4


def test_prod_is_a_realistic_province() -> None:
    spec = load_stack(ROOT / "stacks" / "prod.yaml").spec
    primary = [r for r in spec.regions if r.role is SiteRole.PRIMARY]
    backup = [r for r in spec.regions if r.role is SiteRole.BACKUP]
    assert len(primary) == 1 and len(primary[0].zones) == 3
    assert len(backup) == 1
    assert len(spec.tenants) >= 40
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t.display_name) for t in spec.tenants)
    levels = Counter(t.classification for t in spec.tenants)
    assert all(levels[level] >= 5 for level in Level), levels
    assert len({t.quotas.compute.cores for t in spec.tenants}) >= 8, "quotas should vary by agency"
    for tenant in spec.tenants:
        plan = backup_plan(spec, tenant)
        assert all(region == backup[0].name for region in plan.replica_regions)
        if tenant.classification is not Level.GENERAL:
            assert plan.replicas, tenant.name


def test_shipped_schema_file_is_current() -> None:
    shipped = (ROOT / "stacks" / "stack.schema.json").read_text(encoding="utf-8")
    assert shipped == stack_schema_json(), "regenerate with: govcloud schema > stacks/stack.schema.json"
    assert json.loads(shipped)["title"] == "StackSpec"
