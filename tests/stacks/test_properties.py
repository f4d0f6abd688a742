"""Properties of any valid stack: it round-trips through YAML, and the address plan never renumbers."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from stacks import parse_stack
from stacks.address_plan import address_plan, nth_subnet

LEVELS = ("general", "important", "core")
MODES = ("slaac", "dhcpv6-stateful", "dhcpv6-stateless")

names = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)
display_names = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=12
)


@st.composite
def networks(draw: st.DrawFn, dual_ok: bool) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 3))
    slots = draw(st.lists(st.integers(0, 15), min_size=count, max_size=count, unique=True))
    return [
        {
            "name": f"net{i}",
            "slot": slot,
            "stack": draw(st.sampled_from(("dual-stack", "ipv6-only") if dual_ok else ("ipv6-only",))),
            "ipv6_mode": draw(st.sampled_from(MODES)),
        }
        for i, slot in enumerate(slots)
    ]


def tenant(name: str, slot: int, level: str, nets: list[dict[str, Any]], display: str) -> dict[str, Any]:
    return {
        "name": name,
        "display_name": display,
        "classification": level,
        "home_region": "north",
        "slot": slot,
        "groups": {"admin": [f"{name}-admins"], "member": [f"{name}-users"]},
        "quotas": {
            "compute": {"cores": 4, "ram_gib": 8, "instances": 2},
            "network": {
                "networks": 2, "subnets": 4, "ports": 20, "routers": 1, "security_groups": 5, "floating_ips": 1,
            },
            "block_storage": {"volumes": 4, "gigabytes": 100, "snapshots": 4, "backups": 4},
            "object_storage": {"bytes": 1 << 30},
        },
        "networks": nets,
    }  # fmt: skip


@st.composite
def stack_data(draw: st.DrawFn) -> dict[str, Any]:
    """A valid stack: a primary region, a backup site, and a few tenants on distinct slots."""
    dual = draw(st.booleans())
    tenant_names = draw(st.lists(names, min_size=0, max_size=6, unique=True))
    slots = draw(
        st.lists(st.integers(0, 255), min_size=len(tenant_names), max_size=len(tenant_names), unique=True)
    )
    tenants = [
        tenant(n, s, draw(st.sampled_from(LEVELS)), draw(networks(dual)), draw(display_names))
        for n, s in zip(tenant_names, slots, strict=True)
    ]
    north: dict[str, Any] = {
        "name": "north",
        "role": "primary",
        "ipv6_prefix": str(draw(st.sampled_from(["2001:db8:100::/40", "fd00:1200::/40", "2001:db8:ff00::/40"]))),
        "external_network": "public",
        "zones": [
            {"name": f"az{i}", "capacity": {"vcpu": 512, "ram_gib": 1024, "volume_gib": 10000},
             "overcommit": {"vcpu": draw(st.sampled_from([1.0, 2.0, 4.0]))}}
            for i in range(draw(st.integers(1, 3)))
        ],
    }  # fmt: skip
    if dual:
        north["ipv4_prefix"] = "10.0.0.0/12"
    return {
        "cloud": {"name": "prop", "overcommit_allowed": draw(st.booleans())},
        "regions": [north, {"name": "south", "role": "backup", "ipv6_prefix": "2001:db8:9900::/40",
                            "external_network": "public"}],
        "tenants": tenants,
    }  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(stack_data())
def test_any_valid_stack_round_trips_through_yaml(data: dict[str, Any]) -> None:
    spec = parse_stack(yaml.safe_dump(data, allow_unicode=True), "a.yaml").spec
    dumped = yaml.safe_dump(spec.model_dump(mode="json", exclude_defaults=True), allow_unicode=True)
    assert parse_stack(dumped, "b.yaml").spec == spec


@settings(max_examples=60, deadline=None)
@given(stack_data(), names, st.integers(0, 255), st.data())
def test_adding_or_removing_a_tenant_never_renumbers_another(
    data: dict[str, Any], name: str, slot: int, draw: st.DataObject
) -> None:
    taken = {t["slot"] for t in data["tenants"]}
    if name in {t["name"] for t in data["tenants"]} or slot in taken:
        return
    before = {p.tenant: p for p in address_plan(parse_stack(yaml.safe_dump(data), "a.yaml").spec)}
    grown = {**data, "tenants": [*data["tenants"], tenant(name, slot, "general", [], "新机构")]}
    after = {p.tenant: p for p in address_plan(parse_stack(yaml.safe_dump(grown), "b.yaml").spec)}
    assert {k: v for k, v in after.items() if k != name} == before
    if data["tenants"]:
        gone = draw.draw(st.sampled_from([t["name"] for t in data["tenants"]]))
        shrunk = {**data, "tenants": [t for t in data["tenants"] if t["name"] != gone]}
        remaining = {p.tenant: p for p in address_plan(parse_stack(yaml.safe_dump(shrunk), "c.yaml").spec)}
        assert remaining == {k: v for k, v in before.items() if k != gone}


@settings(max_examples=60, deadline=None)
@given(stack_data())
def test_every_prefix_lies_in_its_parent_and_none_overlap(data: dict[str, Any]) -> None:
    spec = parse_stack(yaml.safe_dump(data), "a.yaml").spec
    region = spec.region("north")
    seen: list[IPv6Network | IPv4Network] = []
    for plan in address_plan(spec):
        assert plan.ipv6.subnet_of(region.ipv6_prefix)
        for net in plan.networks:
            assert net.ipv6.subnet_of(plan.ipv6) and net.ipv6.prefixlen == 64
            if net.ipv4 is not None:
                assert plan.ipv4 is not None and net.ipv4.subnet_of(plan.ipv4)
            seen += [net.ipv6] + ([net.ipv4] if net.ipv4 else [])
    assert not any(a.overlaps(b) for i, a in enumerate(seen) for b in seen[i + 1 :])


@given(st.integers(0, 8), st.integers(0, 255))
def test_nth_subnet_is_the_nth_of_ipaddress_own_enumeration(extra_bits: int, index: int) -> None:
    parent = IPv6Network("2001:db8:40::/44")
    length = parent.prefixlen + extra_bits
    blocks = list(parent.subnets(new_prefix=length))
    if index < len(blocks):
        assert nth_subnet(parent, length, index) == blocks[index]
    else:
        with pytest.raises(ValueError, match=f"slot {index} is outside"):
            nth_subnet(parent, length, index)
