"""Every way a stack file can be wrong yields a located, readable error, and no spec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stacks import Severity, SpecError, load_stack, parse_stack
from tests.stacks.conftest import dump

Data = dict[str, Any]


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable[[Data], None]
    path: str
    reason: str


def _tenant(data: Data, name: str) -> Data:
    return next(t for t in data["tenants"] if t["name"] == name)


def _set(path: str, value: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        node: Any = data
        parts = path.split("/")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _append_tenant(**changes: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        tenant = {**_tenant(data, "transport"), "name": "newcomer", "slot": 9, **changes}
        data["tenants"].append(tenant)

    return mutate


def _del(path: str) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        node: Any = data
        parts = path.split("/")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[parts[-1]]

    return mutate


def _compose(*mutations: Callable[[Data], None]) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


def _zone_and_backup_gone(data: Data) -> None:
    data["regions"] = [r for r in data["regions"] if r["role"] != "backup"]


def _dalian_becomes_primary(data: Data) -> None:
    data["regions"][1]["role"] = "primary"
    data["regions"][1]["zones"] = [{"name": "dl-az1", "capacity": {"vcpu": 8, "ram_gib": 8, "volume_gib": 8}}]


CASES = [
    Case("wrong type", _set("tenants/0/quotas/compute/cores", "many"), "tenants[0].quotas.compute.cores",
         "valid integer"),
    Case("negative quota means unlimited", _set("tenants/0/quotas/compute/cores", -1),
         "tenants[0].quotas.compute.cores", "greater than or equal to 0"),
    Case("unknown key", _set("tenants/0/quotas/compute/vcpus", 4), "tenants[0].quotas.compute.vcpus",
         "unknown key"),
    Case("missing field", _del("tenants/1/display_name"), "tenants[1].display_name", "required"),
    Case("name not DNS-safe", _set("tenants/0/name", "Health_Dept"), "tenants[0].name", "pattern"),
    Case("unknown classification", _set("tenants/0/classification", "secret"), "tenants[0].classification",
         "'general', 'important' or 'core'"),
    Case("bad IPv6 prefix", _set("regions/0/ipv6_prefix", "2001:db8::1/40"), "regions[0].ipv6_prefix",
         "host bits"),
    Case("IPv4 where IPv6 is mandatory", _set("regions/0/ipv6_prefix", "10.0.0.0/8"),
         "regions[0].ipv6_prefix", "IPv6"),
    Case("unknown IPv6 mode", _set("tenants/0/networks/0/ipv6_mode", "dhcp"),
         "tenants[0].networks[0].ipv6_mode", "slaac"),
    Case("duplicate tenant name", _append_tenant(name="edu"), "tenants[4].name", "tenant name 'edu'"),
    Case("duplicate slot", _append_tenant(slot=2), "tenants[4].slot", "slot ('shenyang', 2)"),
    Case("retired slot reused", _compose(_set("regions/0/retired_slots", [9]), _append_tenant()),
         "tenants[4].slot", "slot 9 of region 'shenyang' is retired (regions[0].retired_slots[0])"),
    Case("slot retired twice", _set("regions/0/retired_slots", [7, 7]), "regions[0].retired_slots[1]",
         "('shenyang', 7) is already used at regions[0].retired_slots[0]"),
    Case("negative retired slot", _set("regions/0/retired_slots", [-1]), "regions[0].retired_slots[0]",
         "greater than or equal to 0"),
    Case("duplicate network slot", _set("tenants/0/networks/1/slot", 0), "tenants[0].networks[1].slot",
         "network slot 0"),
    Case("duplicate zone", _set("regions/0/zones/2/name", "sy-az1"), "regions[0].zones[2].name",
         "zone name 'sy-az1'"),
    Case("home region missing", _set("tenants/2/home_region", "anshan"), "tenants[2].home_region",
         "'anshan' is not declared"),
    Case("slot beyond the region prefix", _set("tenants/2/slot", 256), "tenants[2].slot",
         "hold 256 tenant blocks"),
    Case("IPv4 prefix too small for the slot", _set("regions/0/ipv4_prefix", "10.16.0.0/18"),
         "tenants[3].slot", "hold 4 tenant blocks"),
    Case("tenant blocks larger than the region", _set("regions/0/prefix_lengths/tenant_ipv6", 36),
         "regions[0].prefix_lengths.tenant_ipv6", "do not fit"),
    Case("network slot beyond the tenant block", _set("tenants/0/networks/0/slot", 16),
         "tenants[0].networks[0].slot", "holds 16 networks"),
    Case("dual stack without an IPv4 prefix", _del("regions/0/ipv4_prefix"), "tenants[0].networks[0].stack",
         "needs an IPv4 prefix"),
    Case("overlapping region prefixes", _set("regions/1/ipv6_prefix", "2001:db8:1000::/44"),
         "regions[1].ipv6_prefix", "overlaps 2001:db8:1000::/40"),
    Case("no backup site for replicas", _zone_and_backup_gone, "tenants[0].classification",
         "needs 2 remote replica(s) in a backup site"),
    Case("backup region is home", _set("tenants/1/backup", {"regions": ["shenyang"]}),
         "tenants[1].backup.regions[0]", "home region"),
    Case("backup region undeclared", _set("tenants/1/backup", {"regions": ["anshan"]}),
         "tenants[1].backup.regions[0]", "'anshan' is not declared"),
    Case("backup region not a backup site", _dalian_becomes_primary, "tenants[0].classification",
         "backup site"),
    Case("classification zone undeclared", _set("classifications/core/zones", ["sy-az9"]),
         "classifications.core.zones[0]", "'sy-az9' is not declared"),
    Case("quotas beyond capacity", _set("tenants/3/quotas/compute/ram_gib", 900), "regions[0].zones",
         "promised 1316 GiB of ram, more than the zones' 1280"),
    Case("primary region without zones", _set("regions/0/zones", []), "regions[0]", "at least one zone"),
    Case("zero overcommit", _set("regions/0/zones/0/overcommit/vcpu", 0), "regions[0].zones[0].overcommit.vcpu",
         "greater than 0"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_error_names_file_line_field_and_reason(case: Case, dev_data: Data) -> None:
    case.mutate(dev_data)
    with pytest.raises(SpecError) as caught:
        parse_stack(dump(dev_data), "stacks/broken.yaml")
    problems = caught.value.problems
    matching = [p for p in problems if p.dotted_path == case.path]
    assert matching, f"no problem at {case.path}: {[str(p) for p in problems]}"
    problem = matching[0]
    assert case.reason in problem.reason
    assert problem.file == "stacks/broken.yaml"
    assert problem.line is not None and problem.line >= 1
    assert str(problem).startswith(f"stacks/broken.yaml:{problem.line}: {case.path}: ")


def test_error_line_points_at_the_offending_key() -> None:
    text = (Path(__file__).resolve().parents[2] / "stacks" / "dev.yaml").read_text(encoding="utf-8")
    broken = text.replace("cores: 48,", "cores: lots,", 1)
    expected = next(i for i, line in enumerate(broken.splitlines(), 1) if "cores: lots" in line)
    with pytest.raises(SpecError) as caught:
        parse_stack(broken, "dev.yaml")
    (problem,) = caught.value.problems
    assert problem.line == expected
    assert problem.dotted_path == "tenants[2].quotas.compute.cores"


def test_overcommit_allowed_turns_capacity_error_into_warning(dev_data: Data) -> None:
    dev_data["cloud"]["overcommit_allowed"] = True
    dev_data["tenants"][3]["quotas"]["compute"]["ram_gib"] = 900
    stack = parse_stack(dump(dev_data), "s.yaml")
    (warning,) = stack.warnings
    assert warning.severity is Severity.WARNING
    assert "allowed by cloud.overcommit_allowed" in warning.reason


@pytest.mark.parametrize(
    ("text", "reason", "line"),
    [
        ("cloud: {name: x\nregions: []\n", "malformed YAML", 2),
        ("cloud:\n  name: a\n  name: b\nregions: []\n", "key appears twice", 3),
        ("- just\n- a list\n", "top level must be a mapping", 1),
        ("", "the file is empty", None),
        ("cloud: [unclosed\n", "malformed YAML", 2),
    ],
    ids=["unclosed mapping", "duplicate key", "not a mapping", "empty", "unclosed list"],
)
def test_unparseable_files_are_clear_errors(text: str, reason: str, line: int | None) -> None:
    with pytest.raises(SpecError) as caught:
        parse_stack(text, "bad.yaml")
    (problem,) = caught.value.problems
    assert reason in problem.reason
    assert problem.file == "bad.yaml"
    assert problem.line == line


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_stack(tmp_path / "nope.yaml")
    assert "cannot read the file" in str(caught.value)
    assert "nope.yaml" in str(caught.value)


def test_every_error_is_reported_at_once(dev_data: Data) -> None:
    dev_data["tenants"][0]["quotas"]["compute"]["cores"] = -1
    dev_data["tenants"][1]["quotas"]["network"]["ports"] = "x"
    with pytest.raises(SpecError) as caught:
        parse_stack(dump(dev_data), "s.yaml")
    assert {p.dotted_path for p in caught.value.problems} == {
        "tenants[0].quotas.compute.cores",
        "tenants[1].quotas.network.ports",
    }
