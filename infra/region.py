"""A region: its own OpenStack provider, address scopes and subnet pools, and its external network."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack
from pulumi import InvokeOutputOptions, Output, ResourceOptions

from infra.provider_config import provider_args
from stacks.classification import Level
from stacks.region import Region
from stacks.tags import CLASSIFICATION, tag


@dataclass(frozen=True)
class RegionArgs:
    """The region to build and the classification its shared resources are tagged with."""

    region: Region
    classification: Level = Level.GENERAL
    """The most sensitive data the region holds (homed or replicated): shared resources carry it."""


def _address_pool(
    region: Region,
    version: int,
    prefix: str,
    tenant_prefixlen: int,
    network_prefixlen: int,
    tags: list[str],
    own: ResourceOptions,
) -> openstack.networking.SubnetPool:
    """A shared address scope for one IP version and the region's subnet pool in it."""
    scope = openstack.networking.AddressScope(
        f"{region.name}-ipv{version}-scope",
        name=f"{region.name}-ipv{version}",
        ip_version=version,
        shared=True,
        region=region.name,
        opts=own,
    )
    return openstack.networking.SubnetPool(
        f"{region.name}-ipv{version}-pool",
        name=f"{region.name}-ipv{version}",
        ip_version=version,
        prefixes=[prefix],
        address_scope_id=scope.id,
        default_prefixlen=network_prefixlen,
        min_prefixlen=tenant_prefixlen,
        max_prefixlen=network_prefixlen,
        shared=True,
        tags=tags,
        region=region.name,
        opts=own,
    )


class RegionalCloud(pulumi.ComponentResource):
    """One region of the cloud. Every regional resource goes through :meth:`child_opts` and :attr:`name`.

    The provider's credentials come from the stack's ``openstack:*`` config (``infra/provider_config.py``),
    else from the usual ``OS_*`` variables or ``clouds.yaml``; its region is always the stack file's,
    never ``openstack:region`` nor the environment's ``OS_REGION_NAME``.
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
        self.provider = openstack.Provider(
            region.name,
            region=region.name,
            **provider_args(pulumi.Config("openstack")),
            opts=ResourceOptions(parent=self),
        )
        own = self.child_opts(self)
        tags = [tag(CLASSIFICATION, args.classification)]

        lengths = region.prefix_lengths
        self.subnet_pool_ipv6 = _address_pool(
            region, 6, str(region.ipv6_prefix), lengths.tenant_ipv6, lengths.network_ipv6, tags, own
        )
        self.subnet_pool_ipv4 = None
        if region.ipv4_prefix is not None:
            self.subnet_pool_ipv4 = _address_pool(
                region, 4, str(region.ipv4_prefix), lengths.tenant_ipv4, lengths.network_ipv4, tags, own
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
