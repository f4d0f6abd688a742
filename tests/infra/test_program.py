"""Whole-stack tests of the Pulumi program, run under mocks, asserting on every recorded resource.

Each shipped stack file is a case, plus a generated stack with two primary regions and two backup
sites (the shipped dev stack has one of each).
"""

from __future__ import annotations

import runpy
from collections import defaultdict
from dataclasses import dataclass
from ipaddress import ip_network
from itertools import pairwise
from pathlib import Path

import pytest

from bench.stack_gen import generated_stack
from infra import preview as preview_module
from infra.cloud import CloudOptions
from infra.preview import MASK, Preview, RecordedResource, preview_stack, run_mocked
from stacks import LoadedStack, load_stack
from stacks.address_plan import address_plan
from stacks.replica import backup_plan
from stacks.tenant import IpStack

STACKS = Path(__file__).resolve().parents[2] / "stacks"
CASES = [pytest.param(path, id=path.stem) for path in sorted(STACKS.glob("*.yaml"))]
CASES.append(pytest.param(None, id="generated-12"))

PROJECT = "openstack:identity/project:Project"
ROLE = "openstack:identity/roleAssignment:RoleAssignment"
COMPUTE = "openstack:compute/quotaSetV2:QuotaSetV2"
NETWORK_QUOTA = "openstack:networking/quotaV2:QuotaV2"
BLOCK = "openstack:blockstorage/quoteSetV3:QuoteSetV3"
ACCOUNT = "openstack:objectstorage/accountV1:AccountV1"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
POOL = "openstack:networking/subnetPool:SubnetPool"
ROUTER = "openstack:networking/router:Router"
INTERFACE = "openstack:networking/routerInterface:RouterInterface"
SEC_GROUP = "openstack:networking/secGroup:SecGroup"
SEC_RULE = "openstack:networking/secGroupRule:SecGroupRule"
CONTAINER = "openstack:objectstorage/container:Container"
VOLUME_TYPE_ENCRYPTION = "pulumi-python:dynamic/cinder:VolumeTypeEncryption"


def backup_chain(preview: Preview) -> list[RecordedResource]:
    """The primary and replica containers (not the containers holding their old versions)."""
    return [c for c in preview.of_type(CONTAINER) if "replica" in c.inputs["metadata"]]


VOLUME_TYPE = "openstack:blockstorage/volumeTypeV3:VolumeTypeV3"
VOLUME_TYPE_ACCESS = "openstack:blockstorage/volumeTypeAccessV3:VolumeTypeAccessV3"
PROVIDER = "pulumi:providers:openstack"


@dataclass(frozen=True)
class Run:
    stack: LoadedStack
    preview: Preview

    def project(self, tenant: str) -> RecordedResource:
        (project,) = [r for r in self.preview.of_type(PROJECT) if r.inputs["name"] == tenant]
        return project

    def for_project(self, type_token: str, tenant: str) -> list[RecordedResource]:
        project_id = self.project(tenant).id
        return [
            r
            for r in self.preview.of_type(type_token)
            if project_id in (r.inputs.get("projectId"), r.inputs.get("tenantId"))
        ]


@pytest.fixture(scope="module", params=CASES)
def run(request: pytest.FixtureRequest) -> Run:
    stack = load_stack(request.param) if request.param is not None else generated_stack(12)
    return Run(stack, preview_stack(stack))


def test_the_run_declares_every_tenant(run: Run) -> None:
    # Guards against the classic trap: mocks set too late record nothing and every check passes.
    tenants = {r.name for r in run.preview.of_type("govcloud:index:Tenant")}
    assert tenants == {t.name for t in run.stack.spec.tenants}
    assert {r.inputs["name"] for r in run.preview.of_type(PROJECT)} == tenants


def test_every_tenant_has_all_four_quotas_with_the_spec_numbers(run: Run) -> None:
    for tenant in run.stack.spec.tenants:
        q = tenant.quotas
        (compute,) = run.for_project(COMPUTE, tenant.name)
        assert (compute.inputs["cores"], compute.inputs["instances"]) == (
            q.compute.cores,
            q.compute.instances,
        )
        assert compute.inputs["ram"] == q.compute.ram_gib * 1024  # Nova counts MiB
        (network,) = run.for_project(NETWORK_QUOTA, tenant.name)
        assert {k: network.inputs[k] for k in ("network", "subnet", "port", "router")} == {
            "network": q.network.networks,
            "subnet": q.network.subnets,
            "port": q.network.ports,
            "router": q.network.routers,
        }
        assert network.inputs["securityGroup"] == q.network.security_groups
        assert network.inputs["floatingip"] == q.network.floating_ips
        (block,) = run.for_project(BLOCK, tenant.name)
        assert {k: block.inputs[k] for k in ("volumes", "gigabytes", "snapshots", "backups")} == {
            "volumes": q.block_storage.volumes,
            "gigabytes": q.block_storage.gigabytes,
            "snapshots": q.block_storage.snapshots,
            "backups": q.block_storage.backups,
        }
        (account,) = run.for_project(ACCOUNT, tenant.name)
        assert int(account.inputs["metadata"]["Quota-Bytes"]) == int(q.object_storage.bytes)
        for quota in (compute, network, block, account):
            assert quota.region == tenant.home_region


def test_every_network_has_its_ipv6_subnet_inside_the_region_pool_and_none_overlap(run: Run) -> None:
    preview = run.preview
    pools = {(p.region, int(p.inputs["ipVersion"])): p for p in preview.of_type(POOL)}
    subnets_by_network: dict[str, list[RecordedResource]] = defaultdict(list)
    for subnet in preview.of_type(SUBNET):
        subnets_by_network[subnet.inputs["networkId"]].append(subnet)
    seen: dict[str, list] = defaultdict(list)
    for tenant, prefixes in zip(run.stack.spec.tenants, address_plan(run.stack.spec), strict=True):
        networks = {n.inputs["name"]: n for n in run.for_project(NETWORK, tenant.name)}
        assert set(networks) == {n.name for n in tenant.networks}
        for spec_net, planned in zip(tenant.networks, prefixes.networks, strict=True):
            subnets = subnets_by_network[networks[spec_net.name].id]
            by_version = {int(s.inputs["ipVersion"]): s for s in subnets}
            v6 = by_version[6]
            pool6 = pools[(tenant.home_region, 6)]
            cidr = ip_network(v6.inputs["cidr"])
            assert cidr == planned.ipv6 and cidr.prefixlen == 64
            assert cidr.subnet_of(ip_network(pool6.inputs["prefixes"][0]))
            assert v6.inputs["subnetpoolId"] == pool6.id
            assert v6.inputs["ipv6RaMode"] == v6.inputs["ipv6AddressMode"] == spec_net.ipv6_mode.value
            if spec_net.stack is IpStack.DUAL_STACK:
                v4 = by_version[4]
                pool4 = pools[(tenant.home_region, 4)]
                assert ip_network(v4.inputs["cidr"]).subnet_of(ip_network(pool4.inputs["prefixes"][0]))
                assert v4.inputs["subnetpoolId"] == pool4.id
            else:
                assert set(by_version) == {6}
            seen[tenant.home_region].extend(ip_network(s.inputs["cidr"]) for s in subnets)
    for region, cidrs in seen.items():
        for family in (4, 6):
            ordered = sorted(c for c in cidrs if c.version == family)
            for left, right in pairwise(ordered):
                assert not left.overlaps(right), f"{left} overlaps {right} in {region}"


def test_each_tenant_router_has_the_external_gateway_and_an_interface_per_subnet(run: Run) -> None:
    preview = run.preview
    interfaces = preview.of_type(INTERFACE)
    for tenant in run.stack.spec.tenants:
        (router,) = run.for_project(ROUTER, tenant.name)
        assert router.inputs["externalNetworkId"]
        network_ids = {n.id for n in run.for_project(NETWORK, tenant.name)}
        subnet_ids = {s.id for s in preview.of_type(SUBNET) if s.inputs["networkId"] in network_ids}
        attached = {i.inputs["subnetId"] for i in interfaces if i.inputs["routerId"] == router.id}
        assert attached == subnet_ids and subnet_ids


def test_default_security_group_denies_ingress_but_icmpv6_and_its_own_members(run: Run) -> None:
    for tenant in run.stack.spec.tenants:
        (group,) = run.for_project(SEC_GROUP, tenant.name)
        assert group.inputs["deleteDefaultRules"] is True
        rules = [r for r in run.preview.of_type(SEC_RULE) if r.inputs["securityGroupId"] == group.id]
        ingress = [r.inputs for r in rules if r.inputs["direction"] == "ingress"]
        assert {"direction": "ingress", "ethertype": "IPv6", "protocol": "ipv6-icmp"}.items() <= next(
            i for i in ingress if i.get("protocol") == "ipv6-icmp"
        ).items()
        for rule in ingress:
            assert "remoteIpPrefix" not in rule
            assert rule.get("protocol") == "ipv6-icmp" or rule.get("remoteGroupId") == group.id
        assert any(i.get("remoteGroupId") == group.id and i["ethertype"] == "IPv6" for i in ingress)


def test_replicas_live_outside_home_with_container_sync_and_a_secret_key(run: Run) -> None:
    spec = run.stack.spec
    containers = backup_chain(run.preview)
    for tenant in spec.tenants:
        plan = backup_plan(spec, tenant)
        own = sorted(
            (c for c in containers if c.inputs["metadata"]["tenant"] == tenant.name),
            key=lambda c: int(c.inputs["metadata"]["replica"]),
        )
        if not plan.replicas:
            assert own == []
            continue
        assert tenant.classification.value in ("important", "core") or tenant.backup is not None
        primary, *replicas = own
        assert primary.region == tenant.home_region
        assert [r.region for r in replicas] == list(plan.replica_regions)
        assert all(r.region != tenant.home_region for r in replicas)
        for link, following in pairwise(own):
            assert link.inputs["containerSyncTo"].split("/")[3] == following.region
            assert link.inputs["containerSyncTo"].endswith("/" + following.inputs["name"])
        assert "containerSyncTo" not in own[-1].inputs
        acl = f"{run.project(tenant.name).id}:*"
        assert primary.inputs["containerWrite"] == acl
        assert all(c.inputs["containerRead"] == acl and "containerWrite" not in c.inputs for c in replicas)
        versions = {(c.region, c.inputs["name"]) for c in run.preview.of_type(CONTAINER)}
        for container in own:
            # history mode: container sync skips containers under the newer object versioning
            assert container.inputs["versioningLegacy"] == {
                "type": "history",
                "location": f"{container.inputs['name']}-versions",
            }
            assert "versioning" not in container.inputs
            assert (container.region, f"{container.inputs['name']}-versions") in versions
            assert container.inputs["containerSyncKey"] == MASK
            assert container.is_secret("containerSyncKey")


def test_core_data_gets_a_private_volume_type_with_a_luks_encryption_spec(run: Run) -> None:
    spec = run.stack.spec
    for tenant in spec.tenants:
        encrypted = backup_plan(spec, tenant).encryption
        types = [
            t for t in run.preview.of_type(VOLUME_TYPE) if t.inputs["name"] == f"{tenant.name}-encrypted"
        ]
        access = run.for_project(VOLUME_TYPE_ACCESS, tenant.name)
        encryptions = [
            e
            for e in run.preview.of_type(VOLUME_TYPE_ENCRYPTION)
            if e.name == f"{tenant.name}-encryption-volume-type-encryption"
        ]
        if not encrypted:
            assert types == access == encryptions == []
            continue
        (volume_type,) = types
        assert volume_type.inputs["isPublic"] is False
        assert "extraSpecs" not in volume_type.inputs, "the encryption spec is Cinder's, not extra specs"
        assert [a.inputs["volumeTypeId"] for a in access] == [volume_type.id]
        (encryption,) = encryptions
        assert {k: v for k, v in encryption.inputs.items() if k != "__provider"} == {
            "volumeTypeId": volume_type.id,
            "region": tenant.home_region,
            "provider": "luks",
            "cipher": "aes-xts-plain64",
            "keySize": 256,
            "controlLocation": "front-end",
        }
        assert encryption.is_secret("__provider"), "the serialized provider may capture credentials"


def test_taggable_tenant_resources_carry_the_classification(run: Run) -> None:
    for tenant in run.stack.spec.tenants:
        label = f"classification:{tenant.classification.value}"
        for type_token in (NETWORK, ROUTER, SEC_GROUP):
            for resource in run.for_project(type_token, tenant.name):
                assert label in resource.inputs["tags"], resource.name
        for network in run.for_project(NETWORK, tenant.name):
            spec_net = next(n for n in tenant.networks if n.name == network.inputs["name"])
            assert f"ip-stack:{spec_net.stack.value}" in network.inputs["tags"]
    for pool in run.preview.of_type(POOL):
        levels = [t for t in pool.inputs["tags"] if t.startswith("classification:")]
        assert len(levels) == 1


def test_urns_are_unique(run: Run) -> None:
    urns = [r.urn for r in run.preview.resources]
    assert len(urns) == len(set(urns))


def test_regional_resources_carry_their_region_and_that_regions_provider(run: Run) -> None:
    providers = {p.urn: p.inputs["region"] for p in run.preview.of_type(PROVIDER)}
    assert sorted(providers.values()) == sorted(r.name for r in run.stack.spec.regions)
    regional = [r for r in run.preview.resources if r.type.startswith("openstack:")]
    assert regional
    for resource in regional:
        assert resource.region, f"{resource.name} has no region input"
        assert providers[resource.provider_urn] == resource.region, resource.name


def test_components_name_children_after_themselves(run: Run) -> None:
    index = run.preview.by_urn()
    for resource in run.preview.resources:
        parent = index.get(resource.parent)
        if parent is not None and parent.type.startswith("govcloud:"):
            assert resource.name.startswith(parent.name), (resource.name, parent.name)


def test_projects_are_tagged_and_groups_get_their_roles(run: Run) -> None:
    for tenant in run.stack.spec.tenants:
        project = run.project(tenant.name)
        assert project.inputs["tags"] == [
            f"classification:{tenant.classification.value}",
            f"agency:{tenant.name}",
            f"home-region:{tenant.home_region}",
            f"backup-replicas:{len(backup_plan(run.stack.spec, tenant).replicas)}",
        ]
        roles = run.for_project(ROLE, tenant.name)
        assert len(roles) == len(tenant.groups.admin) + len(tenant.groups.member)
        assert len({r.inputs["groupId"] for r in roles}) == len(roles)
        assert len({r.inputs["roleId"] for r in roles}) == (2 if tenant.groups.member else 1)


def test_stack_outputs_describe_every_tenant(run: Run) -> None:
    outputs = run.preview.outputs["tenants"]
    for tenant, prefixes in zip(run.stack.spec.tenants, address_plan(run.stack.spec), strict=True):
        out = outputs[tenant.name]
        assert out["projectId"] == run.project(tenant.name).id
        assert out["ipv6Prefix"] == str(prefixes.ipv6)
        assert out["ipv4Prefix"] == (str(prefixes.ipv4) if prefixes.ipv4 else None)
        networks = {n.inputs["name"]: n.id for n in run.for_project(NETWORK, tenant.name)}
        assert out["networkIds"] == networks
        containers = {c.inputs["name"] for c in backup_chain(run.preview)}
        assert set(out["backupContainers"]) <= containers
        assert len(out["backupContainers"]) == (1 + len(backup_plan(run.stack.spec, tenant).replicas)) * bool(
            backup_plan(run.stack.spec, tenant).replicas
        )


def test_runs_in_one_process_do_not_leak_into_each_other() -> None:
    dev = load_stack(STACKS / "dev.yaml")
    first = preview_stack(dev)
    other = preview_stack(generated_stack(3))
    again = preview_stack(dev)
    assert again.resources == first.resources and again.stack_urn == first.stack_urn
    assert not {r.urn for r in other.resources} & {r.urn for r in again.resources}


def test_a_sync_key_from_config_replaces_the_generated_one_and_stays_secret() -> None:
    stack = load_stack(STACKS / "dev.yaml")
    preview = preview_stack(stack, CloudOptions(sync_key="from-config-key"))
    assert preview.of_type("random:index/randomPassword:RandomPassword") == []
    containers = backup_chain(preview)
    assert containers and all(c.is_secret("containerSyncKey") for c in containers)
    assert "from-config-key" not in repr([r.inputs for r in preview.resources])


def test_the_pulumi_entry_point_reads_its_config_and_declares_the_cloud(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pulumi runs infra/__main__.py with the stack's config; the stack file is relative to Pulumi.yaml.
    monkeypatch.chdir(STACKS.parent)
    entry = str(STACKS.parent / "infra" / "__main__.py")
    preview = run_mocked(
        lambda: runpy.run_path(entry, run_name="__main__"), "dev", {"govcloud:stackFile": "stacks/dev.yaml"}
    )
    direct = preview_stack(load_stack(STACKS / "dev.yaml"))
    assert [(r.type, r.name) for r in preview.resources] == [(r.type, r.name) for r in direct.resources]


def test_tenants_shared_between_processes_give_the_single_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview_module, "MIN_TENANTS_PER_WORKER", 4)
    stack = generated_stack(12)
    single, shared = preview_stack(stack), preview_stack(stack, workers=3)
    assert shared.resources == single.resources
    assert shared.outputs == single.outputs


def test_the_environment_never_picks_a_providers_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OS_REGION_NAME", "somewhere-else")
    preview = preview_stack(load_stack(STACKS / "dev.yaml"))
    assert sorted(p.inputs["region"] for p in preview.of_type(PROVIDER)) == ["dalian", "shenyang"]
