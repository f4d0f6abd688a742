"""A tenant's networks: IPv6 first, IPv4 only for dual-stack, one router out, one default security group."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack
from pulumi import Input, Output, ResourceOptions

from infra.region import RegionalCloud
from stacks.address_plan import NetworkPrefixes, TenantPrefixes
from stacks.naming import default_security_group_name, ipv4_subnet_name, ipv6_subnet_name, router_name
from stacks.tags import IP_STACK, tag
from stacks.tenant import IpStack, Network

ICMPV6 = "ipv6-icmp"


@dataclass(frozen=True)
class NetworkingArgs:
    """A tenant's networks, their planned prefixes and the region they live in."""

    project_id: Input[str]
    networks: tuple[Network, ...]
    prefixes: TenantPrefixes
    region: RegionalCloud
    tags: tuple[str, ...] = ()
    """Tags for every taggable resource (the tenant's classification)."""


@dataclass(frozen=True)
class NetworkArgs:
    """One network of a tenant, its planned prefixes and the router its subnets attach to."""

    project_id: Input[str]
    network: Network
    prefixes: NetworkPrefixes
    router_id: Input[str]
    region: RegionalCloud
    tags: tuple[str, ...] = ()


class TenantNetwork(pulumi.ComponentResource):
    """One network with its /64 (and /24 for dual-stack), both attached to the tenant's router."""

    network_id: Output[str]

    def __init__(self, name: str, args: NetworkArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("govcloud:index:Network", name, None, opts)
        region = args.region
        own = region.child_opts(self)
        net = openstack.networking.Network(
            f"{name}-net",
            name=args.network.name,
            tenant_id=args.project_id,
            admin_state_up=True,
            tags=[*args.tags, tag(IP_STACK, args.network.stack)],
            region=region.region_name,
            opts=own,
        )
        mode = args.network.ipv6_mode.value
        subnet6 = openstack.networking.Subnet(
            f"{name}-ipv6",
            name=ipv6_subnet_name(args.network.name),
            network_id=net.id,
            tenant_id=args.project_id,
            ip_version=6,
            subnetpool_id=region.subnet_pool_ipv6.id,
            cidr=str(args.prefixes.ipv6),
            ipv6_ra_mode=mode,
            ipv6_address_mode=mode,
            tags=list(args.tags),
            region=region.region_name,
            opts=own,
        )
        subnets = {"ipv6": subnet6}
        ipv4 = args.prefixes.ipv4
        if args.network.stack is IpStack.DUAL_STACK and ipv4 is not None and region.subnet_pool_ipv4:
            subnets["ipv4"] = openstack.networking.Subnet(
                f"{name}-ipv4",
                name=ipv4_subnet_name(args.network.name),
                network_id=net.id,
                tenant_id=args.project_id,
                ip_version=4,
                subnetpool_id=region.subnet_pool_ipv4.id,
                cidr=str(ipv4),
                enable_dhcp=True,
                tags=list(args.tags),
                region=region.region_name,
                opts=own,
            )
        for family, subnet in subnets.items():
            openstack.networking.RouterInterface(
                f"{name}-{family}-interface",
                router_id=args.router_id,
                subnet_id=subnet.id,
                region=region.region_name,
                opts=own,
            )
        self.network_id = net.id
        self.register_outputs({"networkId": net.id, "subnetIds": [s.id for s in subnets.values()]})


class TenantNetworking(pulumi.ComponentResource):
    """The tenant's router to the region's external network, its default security group and networks."""

    network_ids: dict[str, Output[str]]

    def __init__(self, name: str, args: NetworkingArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("govcloud:index:Networking", name, None, opts)
        region = args.region
        own = region.child_opts(self)
        router = openstack.networking.Router(
            f"{name}-router",
            name=router_name(args.prefixes.tenant),
            tenant_id=args.project_id,
            external_network_id=region.external_network_id,
            admin_state_up=True,
            tags=list(args.tags),
            region=region.region_name,
            opts=own,
        )
        self._default_security_group(name, args)
        self.network_ids = {}
        for network, prefixes in zip(args.networks, args.prefixes.networks, strict=True):
            child = TenantNetwork(
                f"{name}-{network.name}",
                NetworkArgs(args.project_id, network, prefixes, router.id, region, args.tags),
                ResourceOptions(parent=self),
            )
            self.network_ids[network.name] = child.network_id
        self.register_outputs({"routerId": router.id, "networkIds": self.network_ids})

    def _default_security_group(self, name: str, args: NetworkingArgs) -> None:
        """Ingress denied except ICMPv6 (neighbour discovery, SLAAC) and traffic within the group."""
        region = args.region
        own = region.child_opts(self)
        group = openstack.networking.SecGroup(
            f"{name}-default-sg",
            name=default_security_group_name(args.prefixes.tenant),
            description="govcloud default: no ingress but ICMPv6 and members of this group",
            tenant_id=args.project_id,
            delete_default_rules=True,
            tags=list(args.tags),
            region=region.region_name,
            opts=own,
        )
        families = ["IPv6", "IPv4"] if args.prefixes.ipv4 is not None else ["IPv6"]
        rules: list[tuple[str, dict[str, object]]] = [
            ("icmpv6-in", {"direction": "ingress", "ethertype": "IPv6", "protocol": ICMPV6}),
        ]
        for family in families:
            tag = family.lower()
            rules.append(
                (
                    f"{tag}-group-in",
                    {"direction": "ingress", "ethertype": family, "remote_group_id": group.id},
                )
            )
            rules.append((f"{tag}-out", {"direction": "egress", "ethertype": family}))
        for rule_name, fields in rules:
            openstack.networking.SecGroupRule(
                f"{name}-sg-{rule_name}",
                security_group_id=group.id,
                tenant_id=args.project_id,
                region=region.region_name,
                opts=own,
                **fields,  # type: ignore[arg-type]
            )
