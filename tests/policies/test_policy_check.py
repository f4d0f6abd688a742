"""The adapter from the offline preview's recorded resources to the pack (hand-made records)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from policies.evaluate import evaluate
from policies.inputs import PolicyInput
from policies.offline import check_resources, policy_inputs
from policies.stack_config import pack_config
from stacks import load_stack, parse_stack
from tests.cli.process import govcloud as run_govcloud
from tests.policies.policy_stack import compliant_cloud, with_props

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Record:
    """Shaped like ``infra.preview.RecordedResource``: what the mock run keeps of a resource."""

    type: str
    name: str
    urn: str
    parent: str
    provider: str
    inputs: Mapping[str, Any]
    secret_inputs: tuple[tuple[str | int, ...], ...] = ()
    id: str = ""
    region: str | None = None
    custom: bool = True


def recorded(resources: list[PolicyInput]) -> list[Record]:
    """The records the preview would have kept (the stack itself is never recorded).

    A resource another one depends on through an input gets that input's value as its id, as the mock
    cloud's ids are what the preview links by.
    """
    ids = {
        urn: str(r.props[key])
        for r in resources
        for key, urns in r.property_dependencies.items()
        for urn in urns
        if key in r.props
    }
    return [
        Record(
            r.type,
            r.name,
            r.urn,
            r.parent or "",
            r.provider or "",
            r.props,
            r.secret_paths,
            ids.get(r.urn, ""),
        )
        for r in resources
        if r.type != "pulumi:pulumi:Stack"
    ]


def test_records_become_policy_inputs() -> None:
    records = recorded(compliant_cloud())
    inputs = policy_inputs(records)
    container = next(i for i in inputs if i.name == "health-backup-replica-1")
    assert container.secret_paths == (("containerSyncKey",),)
    assert container.parent is not None and container.parent.endswith("::health-backup")
    assert container.provider is not None and "pulumi:providers:openstack" in container.provider
    assert [i.urn for i in inputs] == [r.urn for r in records]
    top = next(i for i in policy_inputs([Record("govcloud:index:Tenant", "t", "urn:t", "", "", {})]))
    assert top.parent is None and top.provider is None


def test_pack_config_follows_the_stack() -> None:
    spec = load_stack(ROOT / "stacks" / "dev.yaml").spec
    config = pack_config(spec)
    # dev.yaml: three shenyang zones of 128+128+64 vCPU at 4x, 512+512+256 GiB RAM and 50,000 GiB at 1x.
    assert config["quota-within-capacity"]["regions"]["shenyang"] == {
        "vcpu": 1280.0,
        "ramGib": 1280.0,
        "volumeGib": 50000.0,
    }
    assert config["quota-within-capacity"]["regions"]["dalian"] == {"vcpu": 0, "ramGib": 0, "volumeGib": 0}
    assert config["remote-backup-required"]["replicas"] == {"general": 0, "important": 1, "core": 2}
    assert config["core-data-encrypted"]["levels"] == ["core"]


def test_stricter_stack_tightens_the_pack() -> None:
    text = (ROOT / "stacks" / "dev.yaml").read_text(encoding="utf-8")
    stricter = text.replace("core: {replicas: 2,", "core: {replicas: 3,").replace(
        "important: {replicas: 1, site: backup, rpo_minutes: 240}",
        "important: {replicas: 1, site: backup, rpo_minutes: 240, encryption: true}",
    )
    assert stricter != text
    config = pack_config(parse_stack(stricter).spec)
    assert config["remote-backup-required"]["replicas"]["core"] == 3
    assert config["core-data-encrypted"]["levels"] == ["core", "important"]


def test_check_resources_runs_the_pack() -> None:
    spec = load_stack(ROOT / "stacks" / "dev.yaml").spec
    assert check_resources(recorded(compliant_cloud()), spec) == []
    broken = with_props(compliant_cloud(), "health-quotas-compute", cores=-1)
    found = check_resources(recorded(broken), spec)
    assert [(v.policy, v.level, v.resource) for v in found] == [
        ("tenant-quotas-required", "mandatory", "health-quotas-compute")
    ]


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_policy_config_command_writes_the_config_the_stack_implies(name: str) -> None:
    stack = ROOT / "stacks" / f"{name}.yaml"
    done = run_govcloud("policy-config", "--stack", str(stack))
    assert done.returncode == 0, done.stderr
    written = json.loads(done.stdout)
    assert written == pack_config(load_stack(stack).spec)
    assert evaluate(compliant_cloud(), written) == []


def test_policy_config_of_a_missing_stack_is_bad_input(tmp_path: Path) -> None:
    done = run_govcloud("policy-config", "--stack", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2
    assert "nope.yaml" in done.stderr


def test_inputs_holding_another_resources_id_become_property_dependencies() -> None:
    project = Record("openstack:identity/project:Project", "p", "urn:p", "", "", {"name": "p"}, id="id-p")
    network = Record(
        "openstack:networking/network:Network", "n", "urn:n", "", "", {"tenantId": "id-p"}, id="id-n"
    )
    subnet = Record(
        "openstack:networking/subnet:Subnet",
        "s",
        "urn:s",
        "",
        "",
        {"networkId": "id-n", "tenantId": "id-p", "dnsNameservers": ["id-p", "2001:db8::53"], "name": "id-x"},
        id="id-s",
    )
    linked = {i.name: i for i in policy_inputs([project, network, subnet])}
    assert linked["s"].property_dependencies == {
        "networkId": ("urn:n",),
        "tenantId": ("urn:p",),
        "dnsNameservers": ("urn:p",),
    }
    assert linked["s"].dependencies == ("urn:n", "urn:p")
    assert linked["p"].property_dependencies == {} and linked["p"].dependencies == ()
