"""A region: its own OpenStack provider, address scopes and subnet pools, and its external network."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack
from pulumi import InvokeOutputOptions, Output, ResourceOptions

from stacks.classification import Level
from stacks.region import Region


@dataclass(frozen=True)
class RegionArgs:
    region: Region
    classification: Level = Level.GENERAL
    """The most sensitive data the region holds (homed or replicated): shared resources carry it."""


class RegionalCloud(pulumi.ComponentResource):
    """One region of the cloud. Every regional resource goes through :meth:`child_opts` and :attr:`name`.

    The provider's credentials come from the usual ``OS_*`` variables or ``clouds.yaml``; its region is
    always the stack's, never the environment's ``OS_REGION_NAME``.
    """

    provider: openstack.Provider
    subnet_pool_ipv6: openstack.networking.SubnetPool
    subnet_pool_ipv4: openstack.networking.SubnetPool | None
    external_network_id: Output[str]
    swift_account: Output[str]

    def __init__(self, args: RegionArgs, opts: ResourceOptions | None = None) -> None:
        region = args.region
        super().__init__("govcloud:index:Region", region.name, None, opts)
        self.region_name = region.name
        self._roles: dict[str, Output[str]] = {}
        self.provider = openstack.Provider(region.name, region=region.name, opts=ResourceOptions(parent=self))
        own = self.child_opts(self)
        tags = [f"classification:{args.classification.value}"]

        scope6 = openstack.networking.AddressScope(
            f"{region.name}-ipv6-scope",
            name=f"{region.name}-ipv6",
            ip_version=6,
            shared=True,
            region=region.name,
            opts=own,
        )
        lengths = region.prefix_lengths
        self.subnet_pool_ipv6 = openstack.networking.SubnetPool(
            f"{region.name}-ipv6-pool",
            name=f"{region.name}-ipv6",
            ip_version=6,
            prefixes=[str(region.ipv6_prefix)],
            address_scope_id=scope6.id,
            default_prefixlen=lengths.network_ipv6,
            min_prefixlen=lengths.tenant_ipv6,
            max_prefixlen=lengths.network_ipv6,
            shared=True,
            tags=tags,
            region=region.name,
            opts=own,
        )
        self.subnet_pool_ipv4 = None
        if region.ipv4_prefix is not None:
            scope4 = openstack.networking.AddressScope(
                f"{region.name}-ipv4-scope",
                name=f"{region.name}-ipv4",
                ip_version=4,
                shared=True,
                region=region.name,
                opts=own,
            )
            self.subnet_pool_ipv4 = openstack.networking.SubnetPool(
                f"{region.name}-ipv4-pool",
                name=f"{region.name}-ipv4",
                ip_version=4,
                prefixes=[str(region.ipv4_prefix)],
                address_scope_id=scope4.id,
                default_prefixlen=lengths.network_ipv4,
                min_prefixlen=lengths.tenant_ipv4,
                max_prefixlen=lengths.network_ipv4,
                shared=True,
                tags=tags,
                region=region.name,
                opts=own,
            )

        external = openstack.networking.get_network_output(
            name=region.external_network, external=True, region=region.name, opts=self.invoke_opts(self)
        )
        self.external_network_id = external.id
        # Replica containers live in the account the provider authenticates to (the platform's backup
        # project); container sync addresses them as AUTH_<project id>.
        scope = openstack.identity.get_auth_scope_output(
            name=f"{region.name}-scope", region=region.name, opts=self.invoke_opts(self)
        )
        self.swift_account = scope.project_id.apply(lambda project: f"AUTH_{project}")

        self.register_outputs(
            {
                "externalNetworkId": self.external_network_id,
                "subnetPoolIpv6": self.subnet_pool_ipv6.id,
                "subnetPoolIpv4": self.subnet_pool_ipv4.id if self.subnet_pool_ipv4 else None,
            }
        )

    def child_opts(self, parent: pulumi.Resource, **extra: object) -> ResourceOptions:
        """Options for a resource in this region: its parent and this region's provider."""
        return ResourceOptions(parent=parent, provider=self.provider, **extra)  # type: ignore[arg-type]

    def invoke_opts(self, parent: pulumi.Resource) -> InvokeOutputOptions:
        return InvokeOutputOptions(parent=parent, provider=self.provider)

    def role_id(self, name: str) -> Output[str]:
        """The id of the Keystone role ``name``, looked up once per region."""
        if name not in self._roles:
            role = openstack.identity.get_role_output(
                name=name, region=self.region_name, opts=self.invoke_opts(self)
            )
            self._roles[name] = role.id
        return self._roles[name]

    def group_id(self, name: str, parent: pulumi.Resource) -> Output[str]:
        """The id of the identity group ``name`` (groups come from the unified identity system)."""
        group = openstack.identity.get_group_output(
            name=name, region=self.region_name, opts=self.invoke_opts(parent)
        )
        return group.id
