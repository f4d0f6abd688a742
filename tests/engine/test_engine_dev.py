"""`pulumi preview/up/refresh/destroy` of the dev stack on the OpenStack box, with the engine of `make engine`.

The tests run in file order on one deployment (module fixture `dev`): what `up` created is compared
with what the offline mock preview (`govcloud preview --stack stacks/dev.yaml --json`) lists, read back
through openstacksdk, previewed and refreshed again without changes, refreshed after an out-of-band
quota change, and finally not destroyed because of its protected resources. The fixture then
unprotects and destroys everything (the box is shared with tests/openstack).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.engine.conftest import ROOT, Pulumi, box_openstack_config
from tests.openstack import openstack_box as box

DEV_STACK = ROOT / "stacks" / "dev.yaml"


def mock_preview(stack_file: Path) -> dict[str, Any]:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "govcloud"), "preview", "--stack", str(stack_file), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def declared_types(resources: list[dict[str, Any]]) -> Counter[str]:
    """Resource types as the mock preview counts them: the program's resources and explicit providers."""
    counted: Counter[str] = Counter()
    for resource in resources:
        kind = resource["type"]
        if kind == "pulumi:pulumi:Stack":
            continue
        if kind.startswith("pulumi:providers:") and resource["urn"].rsplit("::", 1)[-1].startswith("default"):
            continue  # default providers (random, pulumi-python) are the engine's, not declared
        counted[kind] += 1
    return counted


@dataclass
class Deployment:
    pulumi: Pulumi
    mock: dict[str, Any]
    preview: subprocess.CompletedProcess[str]
    up: subprocess.CompletedProcess[str]
    resources: list[dict[str, Any]]


@pytest.fixture(scope="module")
def dev(pulumi_project: Pulumi, openstack_box: box.BoxEnv, box_prerequisites: None) -> Iterator[Deployment]:
    pulumi = pulumi_project
    pulumi.init_stack(
        "dev",
        {
            "govcloud:stackFile": str(DEV_STACK),
            **box_openstack_config(openstack_box),
        },
    )
    preview = pulumi.run("preview", "--stack", "dev", "--diff")
    up = pulumi.run("up", "--yes", "--skip-preview", "--stack", "dev")
    yield Deployment(pulumi, mock_preview(DEV_STACK), preview, up, pulumi.resources("dev"))
    # The box is shared with tests/openstack, which build the dev stack's tenants themselves: what the
    # engine made goes entirely, protected projects and containers included, once they are unprotected.
    pulumi.run("state", "unprotect", "--all", "--yes", "--stack", "dev")
    pulumi.run("destroy", "--yes", "--skip-preview", "--stack", "dev")


def test_up_creates_exactly_what_the_mock_preview_lists(dev: Deployment) -> None:
    expected = Counter(r["type"] for r in dev.mock["resources"])
    assert declared_types(dev.resources) == expected
    names = {(r["type"], r["urn"].rsplit("::", 1)[-1]) for r in dev.resources}
    for resource in dev.mock["resources"]:
        assert (resource["type"], resource["name"]) in names
    assert dev.up.returncode == 0


def _mock(dev: Deployment, kind: str) -> list[dict[str, Any]]:
    return [r for r in dev.mock["resources"] if r["type"] == kind]


def test_resources_read_back_through_openstacksdk(
    dev: Deployment, os_conn: Any, openstack_box: box.BoxEnv
) -> None:
    projects = {}
    for declared in _mock(dev, "openstack:identity/project:Project"):
        project = os_conn.identity.find_project(declared["inputs"]["name"])
        assert project is not None, declared["name"]
        assert sorted(project.tags) == sorted(declared["inputs"]["tags"])
        projects[declared["name"]] = project

    by_project = {p.id: name for name, p in projects.items()}

    def tenant_of(declared: dict[str, Any]) -> str:
        return declared["name"].split("-quotas-")[0]

    for declared in _mock(dev, "openstack:compute/quotaSetV2:QuotaSetV2"):
        quota = os_conn.compute.get_quota_set(projects[tenant_of(declared)].id)
        want = declared["inputs"]
        assert (quota.cores, quota.ram, quota.instances) == (want["cores"], want["ram"], want["instances"])
    for declared in _mock(dev, "openstack:networking/quotaV2:QuotaV2"):
        quota = os_conn.network.get_quota(projects[tenant_of(declared)].id)
        want = declared["inputs"]
        assert (quota.networks, quota.subnets, quota.ports, quota.routers) == (
            want["network"],
            want["subnet"],
            want["port"],
            want["router"],
        )
        assert (quota.security_groups, quota.floating_ips) == (want["securityGroup"], want["floatingip"])
    for declared in _mock(dev, "openstack:blockstorage/quoteSetV3:QuoteSetV3"):
        quota = os_conn.block_storage.get_quota_set(projects[tenant_of(declared)].id)
        want = declared["inputs"]
        assert (quota.volumes, quota.gigabytes, quota.snapshots, quota.backups) == (
            want["volumes"],
            want["gigabytes"],
            want["snapshots"],
            want["backups"],
        )

    pools = {p.name: p for p in os_conn.network.subnet_pools()}
    for declared in _mock(dev, "openstack:networking/subnetPool:SubnetPool"):
        pool = pools[declared["inputs"]["name"]]
        assert pool.prefixes == declared["inputs"]["prefixes"]
        assert pool.is_shared and pool.address_scope_id

    subnets = {(s.project_id, s.name): s for s in os_conn.network.subnets()}
    for declared in _mock(dev, "openstack:networking/subnet:Subnet"):
        tenant = declared["name"].split("-networking-")[0]
        subnet = subnets[(projects[tenant].id, declared["inputs"]["name"])]
        assert subnet.ip_version == declared["inputs"]["ipVersion"]
        assert subnet.subnet_pool_id == pools[f"shenyang-ipv{subnet.ip_version}"].id
        if subnet.ip_version == 6:
            assert subnet.ipv6_ra_mode == declared["inputs"].get("ipv6RaMode")
            assert subnet.ipv6_address_mode == declared["inputs"].get("ipv6AddressMode")
            assert subnet.cidr.endswith("::/64")

    public = os_conn.network.find_network("public")
    routers = [r for r in os_conn.network.routers() if r.project_id in by_project]
    assert len(routers) == len(_mock(dev, "openstack:networking/router:Router"))
    for router in routers:
        assert router.external_gateway_info["network_id"] == public.id
        ports = list(os_conn.network.ports(device_id=router.id, device_owner="network:router_interface"))
        assert ports, router.name

    # Neutron also gives every project that has a network its own "default" group: not ours.
    declared_groups = _mock(dev, "openstack:networking/secGroup:SecGroup")
    declared_names = {d["inputs"]["name"] for d in declared_groups}
    groups = [
        g
        for g in os_conn.network.security_groups()
        if g.project_id in by_project and g.name in declared_names
    ]
    assert sorted(g.name for g in groups) == sorted(declared_names)
    rules = _mock(dev, "openstack:networking/secGroupRule:SecGroupRule")
    assert sum(len(g.security_group_rules) for g in groups) == len(rules)
    assert not any(
        r["direction"] == "ingress" and r["remote_ip_prefix"] in ("0.0.0.0/0", "::/0")
        for g in groups
        for r in g.security_group_rules
    )

    for declared in _mock(dev, "openstack:objectstorage/container:Container"):
        region = declared["inputs"]["region"]
        conn = os_conn if region == openstack_box.region else openstack_box.connect(region_name=region)
        container = conn.object_store.get_container_metadata(declared["inputs"]["name"])
        legacy = declared["inputs"].get("versioningLegacy")
        if legacy:
            assert container.history_location == legacy["location"]
        sync_to = declared["inputs"].get("containerSyncTo")
        if sync_to:
            # The mock's account id is made up; the sync target's realm, cluster and container are not.
            # //<realm>/<cluster>/AUTH_<backup account>/<container>
            real, mocked = container.sync_to.split("/"), sync_to.split("/")
            assert real[:4] + real[5:] == mocked[:4] + mocked[5:]
            assert real[4] == f"AUTH_{os_conn.current_project_id}"

    for declared in _mock(dev, "openstack:blockstorage/volumeTypeV3:VolumeTypeV3"):
        volume_type = os_conn.block_storage.find_type(declared["inputs"]["name"])
        assert volume_type is not None and not volume_type.is_public
        encryption = os_conn.block_storage.get_type_encryption(volume_type.id)
        assert (encryption.provider, encryption.cipher, encryption.key_size) == (
            "luks",
            "aes-xts-plain64",
            256,
        )


def test_a_second_preview_has_no_changes(dev: Deployment) -> None:
    dev.pulumi.run("preview", "--stack", "dev", "--expect-no-changes")


def test_refresh_finds_no_drift_then_exactly_an_out_of_band_quota_change(
    dev: Deployment, os_conn: Any
) -> None:
    dev.pulumi.run("refresh", "--yes", "--skip-preview", "--stack", "dev", "--expect-no-changes")

    health = os_conn.identity.find_project("health")
    os_conn.compute.update_quota_set(health.id, cores=7)
    result = dev.pulumi.run("refresh", "--preview-only", "--stack", "dev", "--json", check=False)
    report = json.loads(result.stdout)

    def outputs(step: dict[str, Any], state: str) -> dict[str, Any]:
        return dict((step.get(state) or {}).get("outputs") or {})

    drifted = {
        step["urn"].rsplit("::", 1)[-1]: step
        for step in report.get("steps", [])
        if outputs(step, "oldState") != outputs(step, "newState")
    }
    assert sorted(drifted) == ["health-quotas-compute"], result.stdout[-4000:]
    step = drifted["health-quotas-compute"]
    assert (outputs(step, "oldState")["cores"], outputs(step, "newState")["cores"]) == (96, 7)
    changed = {
        k
        for k in outputs(step, "oldState")
        if outputs(step, "oldState")[k] != outputs(step, "newState").get(k)
    }
    assert changed == {"cores"}
    # `up` puts the declared quota back; the cloud then matches the program again.
    dev.pulumi.run("up", "--yes", "--skip-preview", "--refresh", "--stack", "dev")
    assert os_conn.compute.get_quota_set(health.id).cores == 96


def _steps(dev: Deployment, stack_file: Path) -> dict[str, set[str]]:
    """`pulumi preview --json` of ``stack_file`` on the dev deployment: resource name -> operations
    other than `same`."""
    dev.pulumi.run("config", "set", "govcloud:stackFile", str(stack_file), "--stack", "dev")
    result = dev.pulumi.run("preview", "--stack", "dev", "--json")
    changed: dict[str, set[str]] = {}
    for step in json.loads(result.stdout).get("steps", []):
        if step["op"] != "same":
            changed.setdefault(step["urn"].rsplit("::", 1)[-1], set()).add(step["op"])
    return changed


REPLACING = {"replace", "create-replacement", "delete-replaced", "delete", "discard"}


def test_a_raised_quota_and_a_new_tenant_change_only_themselves(
    dev: Deployment, os_conn: Any, tmp_path: Path
) -> None:
    document = yaml.safe_load(DEV_STACK.read_text(encoding="utf-8"))
    edu = next(t for t in document["tenants"] if t["name"] == "edu")
    edu["quotas"]["compute"]["cores"] = 80
    water = {
        "name": "water",
        "display_name": "省水利厅",
        "classification": "general",
        "home_region": "shenyang",
        "slot": 5,
        "groups": {"admin": ["water-admins"]},
        "quotas": edu["quotas"] | {"compute": {"cores": 8, "ram_gib": 16, "instances": 4}},
        "networks": [{"name": "basins", "slot": 0, "stack": "ipv6-only", "ipv6_mode": "slaac"}],
    }
    document["tenants"].append(water)
    stack = tmp_path / "dev-grown.yaml"
    stack.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # The unified identity system's group for the new agency, as an operator syncs it.
    os_conn.identity.create_group(name="water-admins", domain_id="default")

    steps = _steps(dev, stack)
    assert not {n for n, ops in steps.items() if ops & REPLACING}, steps
    assert {n for n, ops in steps.items() if ops != {"create"}} == {"edu-quotas-compute"}, steps
    assert steps["edu-quotas-compute"] == {"update"}
    created = {n for n, ops in steps.items() if ops == {"create"}}
    assert created and all(n.startswith("water") for n in created), sorted(created)

    dev.pulumi.run("up", "--yes", "--skip-preview", "--stack", "dev")
    assert os_conn.compute.get_quota_set(os_conn.identity.find_project("edu").id).cores == 80
    assert os_conn.identity.find_project("water") is not None
    dev.pulumi.run("preview", "--stack", "dev", "--expect-no-changes")


def test_a_tenant_renamed_with_its_former_name_keeps_its_project(
    dev: Deployment, os_conn: Any, tmp_path: Path
) -> None:
    grown = yaml.safe_load(
        Path(
            dev.pulumi.run("config", "get", "govcloud:stackFile", "--stack", "dev").stdout.strip()
        ).read_text(encoding="utf-8")
    )
    transport = next(t for t in grown["tenants"] if t["name"] == "transport")
    before = os_conn.identity.find_project("transport")
    transport["name"] = "traffic"
    transport["former_names"] = ["transport"]
    stack = tmp_path / "dev-renamed.yaml"
    stack.write_text(yaml.safe_dump(grown, allow_unicode=True, sort_keys=False), encoding="utf-8")

    steps = _steps(dev, stack)
    assert not {n for n, ops in steps.items() if ops & REPLACING}, steps
    assert steps.get("traffic") == {"update"}, steps  # the project: renamed in place
    dev.pulumi.run("up", "--yes", "--skip-preview", "--stack", "dev")
    after = os_conn.identity.find_project("traffic")
    assert after is not None and after.id == before.id
    assert os_conn.identity.find_project("transport") is None
    dev.pulumi.run("preview", "--stack", "dev", "--expect-no-changes")


def test_destroy_is_stopped_by_the_protected_resources(dev: Deployment, os_conn: Any) -> None:
    """Pulumi deletes what is not protected (seen on the box: networks, routers, quotas go) and then
    fails on the protected projects and backup containers, which survive with their data (and with
    their sync keys: Pulumi keeps what a remaining resource depends on)."""
    result = dev.pulumi.run("destroy", "--yes", "--skip-preview", "--stack", "dev", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "protected" in output, output[-4000:]
    for name in ("health", "edu", "traffic", "police", "water"):
        assert os_conn.identity.find_project(name) is not None
    for declared in _mock(dev, "openstack:objectstorage/container:Container"):
        if declared["inputs"]["region"] == "shenyang":
            os_conn.object_store.get_container_metadata(declared["inputs"]["name"])  # raises when gone
    left = [
        r
        for r in dev.pulumi.resources("dev")
        if r.get("custom") and not r["type"].startswith("pulumi:providers:")
    ]
    # What stays: the protected resources, and what they depend on (the containers' sync keys).
    unprotected = {r["urn"].rsplit("::", 1)[-1] for r in left if not r.get("protect")}
    assert unprotected == {f"{t}-backup-sync-key" for t in ("health", "edu", "police")}
    assert {r["type"] for r in left if r.get("protect")} == {
        "openstack:identity/project:Project",
        "openstack:objectstorage/container:Container",
    }
