"""The resource shapes the Pulumi program declares for a tenant are accepted by a real cloud.

A dev-stack tenant's project, compute/network/block-storage quotas and IPv6 network (subnet pool,
SLAAC subnet allocated from it, router interface, security group rule) are created through the APIs
the program uses, and read back exactly.
"""

from __future__ import annotations

from ipaddress import IPv6Network, ip_address
from typing import Any

import pytest

from stacks.address_plan import tenant_prefixes
from stacks.load import load_stack
from stacks.tenant import Ipv6Mode

pytestmark = pytest.mark.openstack

TENANT = "health"


@pytest.fixture(scope="module")
def health() -> Any:
    spec = load_stack("stacks/dev.yaml").spec
    tenant = spec.tenant(TENANT)
    return spec, tenant, tenant_prefixes(spec.region(tenant.home_region), tenant)


def test_project_and_quotas_read_back(os_conn: Any, health: Any) -> None:
    _, tenant, _ = health
    project = os_conn.identity.create_project(
        name=tenant.name,
        description=tenant.display_name,
        domain_id="default",
        tags=[f"classification:{tenant.classification.value}"],
    )
    compute, network, block = tenant.quotas.compute, tenant.quotas.network, tenant.quotas.block_storage
    os_conn.compute.update_quota_set(
        project.id, cores=compute.cores, ram=compute.ram_gib * 1024, instances=compute.instances
    )
    os_conn.network.update_quota(
        project.id,
        networks=network.networks,
        subnets=network.subnets,
        ports=network.ports,
        routers=network.routers,
        security_groups=network.security_groups,
        floating_ips=network.floating_ips,
    )
    os_conn.block_storage.update_quota_set(
        project.id,
        volumes=block.volumes,
        gigabytes=block.gigabytes,
        snapshots=block.snapshots,
        backups=block.backups,
    )

    read = os_conn.identity.get_project(project.id)
    assert (read.name, read.description, read.tags) == (
        "health",
        "省卫生健康委员会",
        ["classification:core"],
    )
    cq = os_conn.compute.get_quota_set(project.id)
    assert (cq.cores, cq.ram, cq.instances) == (96, 192 * 1024, 40)
    nq = os_conn.network.get_quota(project.id)
    assert (nq.networks, nq.subnets, nq.ports, nq.routers, nq.security_groups, nq.floating_ips) == (
        10,
        20,
        400,
        2,
        30,
        8,
    )
    bq = os_conn.block_storage.get_quota_set(project.id)
    assert (bq.volumes, bq.gigabytes, bq.snapshots, bq.backups) == (200, 8000, 200, 200)


def test_ipv6_network_reads_back(os_conn: Any, health: Any) -> None:
    _, tenant, prefixes = health
    project = os_conn.identity.find_project(tenant.name) or os_conn.identity.create_project(
        name=tenant.name, domain_id="default"
    )
    his = next(n for n in tenant.networks if n.name == "his")
    his_prefix = next(p for p in prefixes.networks if p.network == "his").ipv6
    assert his.ipv6_mode is Ipv6Mode.SLAAC

    pool = os_conn.network.create_subnet_pool(
        name=f"{tenant.name}-v6",
        prefixes=[str(prefixes.ipv6)],
        default_prefix_length=64,
        minimum_prefix_length=64,
        maximum_prefix_length=64,
        project_id=project.id,
    )
    net = os_conn.network.create_network(name=f"{tenant.name}-{his.name}", project_id=project.id)
    subnet = os_conn.network.create_subnet(
        name=f"{tenant.name}-{his.name}-v6",
        network_id=net.id,
        ip_version=6,
        cidr=str(his_prefix),
        subnet_pool_id=pool.id,
        ipv6_ra_mode=his.ipv6_mode.value,
        ipv6_address_mode=his.ipv6_mode.value,
        project_id=project.id,
    )
    router = os_conn.network.create_router(name=f"{tenant.name}-router", project_id=project.id)
    os_conn.network.add_interface_to_router(router, subnet=subnet.id)
    group = os_conn.network.create_security_group(name=f"{tenant.name}-web", project_id=project.id)
    rule = os_conn.network.create_security_group_rule(
        security_group_id=group.id,
        direction="ingress",
        ethertype="IPv6",
        protocol="tcp",
        port_range_min=443,
        port_range_max=443,
        remote_ip_prefix="::/0",
        project_id=project.id,
    )

    pool = os_conn.network.get_subnet_pool(pool.id)
    assert [IPv6Network(p) for p in pool.prefixes] == [prefixes.ipv6] == [IPv6Network("2001:db8:1001::/48")]
    assert (pool.default_prefix_length, pool.minimum_prefix_length, pool.maximum_prefix_length) == (
        64,
        64,
        64,
    )
    assert (pool.project_id, pool.ip_version) == (project.id, 6)
    subnet = os_conn.network.get_subnet(subnet.id)
    assert IPv6Network(subnet.cidr) == his_prefix
    assert his_prefix.subnet_of(prefixes.ipv6)
    assert (subnet.subnet_pool_id, subnet.ipv6_ra_mode, subnet.ipv6_address_mode) == (
        pool.id,
        "slaac",
        "slaac",
    )
    assert (subnet.network_id, subnet.project_id, subnet.ip_version) == (net.id, project.id, 6)
    ports = list(os_conn.network.ports(device_id=router.id))
    assert [ip["subnet_id"] for p in ports for ip in p.fixed_ips] == [subnet.id]
    assert ports[0].fixed_ips[0]["ip_address"] == subnet.gateway_ip  # the router is the gateway
    assert ip_address(subnet.gateway_ip) in his_prefix
    rule = os_conn.network.get_security_group_rule(rule.id)
    assert (rule.direction, rule.ether_type, rule.protocol) == ("ingress", "IPv6", "tcp")
    assert (rule.port_range_min, rule.port_range_max, rule.remote_ip_prefix) == (443, 443, "::/0")
    assert rule.security_group_id == group.id
