"""Off-site backup replicas: a versioned primary Swift container at home, copies elsewhere, container sync.

Swift syncs one container to one other, so more than one replica is a chain: primary -> replica 1 ->
replica 2. Every link shares the tenant's sync key, a Pulumi secret from generation to the container.
Every container keeps its overwritten objects in a ``<container>-versions`` container beside it
(Swift's history mode): container sync skips containers under the newer object versioning
(``X-Versions-Enabled``), so a primary declared that way would never reach its replicas.
The containers live in the platform's backup account (the one the provider authenticates to); Keystone
ACLs let the tenant's project write its primary and read every copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack
import pulumi_random as random
from pulumi import Input, Output, ResourceOptions

from infra.region import RegionalCloud
from stacks.naming import container_name, versions_container_name
from stacks.replica import BackupPlan

__all__ = ["BackupReplicas", "ReplicaArgs", "container_name", "sync_target", "versions_container_name"]

SYNC_KEY_LENGTH = 48


@dataclass(frozen=True)
class ReplicaArgs:
    """A tenant's backup plan and what its containers need: project, regions and sync settings."""

    plan: BackupPlan
    classification: str
    project_id: Input[str]
    """The tenant's project: it may write the primary and read every copy (Keystone ACLs)."""
    regions: Mapping[str, RegionalCloud]
    sync_realm: str
    sync_key: Input[str] | None = None
    """A key from config; None generates one per tenant."""


def sync_target(realm: str, region: str, account: Input[str], container: str) -> Output[str]:
    """Swift's ``X-Container-Sync-To``: ``//realm/cluster/account/container`` (one cluster per region)."""
    return Output.concat("//", realm, "/", region, "/", account, "/", container)


class BackupReplicas(pulumi.ComponentResource):
    """The tenant's backup containers: one at home, one per replica placement of its backup plan."""

    container_names: list[str]

    def __init__(self, name: str, args: ReplicaArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("govcloud:index:BackupReplicas", name, None, opts)
        plan = args.plan
        if args.sync_key is not None:
            key = Output.secret(args.sync_key)
        else:
            generated = random.RandomPassword(
                f"{name}-sync-key", length=SYNC_KEY_LENGTH, special=False, opts=ResourceOptions(parent=self)
            )
            key = Output.secret(generated.result)

        chain = [(0, plan.home_region), *((r.index, r.region) for r in plan.replicas)]
        self.container_names = [container_name(plan.tenant, index) for index, _ in chain]
        tenant_acl = Output.concat(args.project_id, ":*")
        containers: list[openstack.objectstorage.Container] = []
        for position, (index, region_name) in enumerate(chain):
            region = args.regions[region_name]
            following = chain[position + 1] if position + 1 < len(chain) else None
            sync_to = None
            if following is not None:
                next_region = args.regions[following[1]]
                sync_to = sync_target(
                    args.sync_realm,
                    next_region.region_name,
                    next_region.swift_account,
                    container_name(plan.tenant, following[0]),
                )
            logical = f"{name}-{'primary' if index == 0 else f'replica-{index}'}"
            container = container_name(plan.tenant, index)
            versions = openstack.objectstorage.Container(
                f"{logical}-versions",
                name=versions_container_name(container),
                container_read=tenant_acl,
                metadata={
                    "tenant": plan.tenant,
                    "classification": args.classification,
                    "versions-of": container,
                },
                region=region.region_name,
                opts=region.child_opts(self, protect=True),
            )
            containers.append(
                openstack.objectstorage.Container(
                    logical,
                    name=container,
                    versioning_legacy=openstack.objectstorage.ContainerVersioningLegacyArgs(
                        type="history", location=versions.name
                    ),
                    container_read=tenant_acl,
                    container_write=tenant_acl if index == 0 else None,
                    container_sync_key=key if len(chain) > 1 else None,
                    container_sync_to=sync_to,
                    metadata={
                        "tenant": plan.tenant,
                        "classification": args.classification,
                        "replica": str(index),
                        "rpo-minutes": str(plan.rpo_minutes),
                    },
                    region=region.region_name,
                    opts=region.child_opts(
                        self, additional_secret_outputs=["containerSyncKey"], protect=True
                    ),
                )
            )
        self.register_outputs({"containers": self.container_names})
