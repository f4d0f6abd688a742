"""A tenant's four quotas (compute, network, block and object storage), in each service's own units."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack
from pulumi import Input, ResourceOptions

from stacks.tenant import Quotas

MIB_PER_GIB = 1024


def nova_ram_mib(ram_gib: int) -> int:
    """Nova counts RAM quota in MiB; the stack file in GiB."""
    return ram_gib * MIB_PER_GIB


def swift_quota_metadata(quota_bytes: int) -> dict[str, str]:
    """Swift keeps the account byte quota as metadata (``X-Account-Meta-Quota-Bytes``); admins set it."""
    return {"Quota-Bytes": str(quota_bytes)}


@dataclass(frozen=True)
class QuotaArgs:
    """A tenant's quotas and the project, region and provider they are set in."""

    project_id: Input[str]
    quotas: Quotas
    region: str
    provider: pulumi.ProviderResource


class TenantQuotas(pulumi.ComponentResource):
    """Every quota of one tenant's project in its home region. None is left at the cloud default."""

    def __init__(self, name: str, args: QuotaArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("govcloud:index:Quotas", name, None, opts)
        q = args.quotas
        own = ResourceOptions(parent=self, provider=args.provider)
        compute = openstack.compute.QuotaSetV2(
            f"{name}-compute",
            project_id=args.project_id,
            cores=q.compute.cores,
            ram=nova_ram_mib(q.compute.ram_gib),
            instances=q.compute.instances,
            region=args.region,
            opts=own,
        )
        network = openstack.networking.QuotaV2(
            f"{name}-network",
            project_id=args.project_id,
            network=q.network.networks,
            subnet=q.network.subnets,
            port=q.network.ports,
            router=q.network.routers,
            security_group=q.network.security_groups,
            floatingip=q.network.floating_ips,
            region=args.region,
            opts=own,
        )
        block = openstack.blockstorage.QuoteSetV3(
            f"{name}-block-storage",
            project_id=args.project_id,
            volumes=q.block_storage.volumes,
            gigabytes=q.block_storage.gigabytes,
            snapshots=q.block_storage.snapshots,
            backups=q.block_storage.backups,
            region=args.region,
            opts=own,
        )
        objects = openstack.objectstorage.AccountV1(
            f"{name}-object-storage",
            project_id=args.project_id,
            metadata=swift_quota_metadata(int(q.object_storage.bytes)),
            region=args.region,
            opts=own,
        )
        self.register_outputs(
            {
                "compute": compute.id,
                "network": network.id,
                "blockStorage": block.id,
                "objectStorage": objects.id,
            }
        )
