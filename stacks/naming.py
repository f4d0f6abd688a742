"""The names the Pulumi program gives the OpenStack resources it declares, derived from the stack file.

One place for them, below ``infra`` (which declares the resources) and ``policies.audit`` (which looks
for them in the live cloud), so both always agree.
"""

from __future__ import annotations

from stacks.replica import BackupPlan
from stacks.tags import AGENCY, BACKUP_REPLICAS, CLASSIFICATION, HOME_REGION, tag
from stacks.tenant import Tenant


def project_tags(tenant: Tenant, backup: BackupPlan) -> list[str]:
    """The tenant's facts, for people and for the policy pack: ``key:value`` tags on its project."""
    return [
        tag(CLASSIFICATION, tenant.classification),
        tag(AGENCY, tenant.name),
        tag(HOME_REGION, tenant.home_region),
        tag(BACKUP_REPLICAS, len(backup.replicas)),
    ]


def container_name(tenant: str, index: int = 0) -> str:
    """The primary container is ``<tenant>-backup``; replica ``i`` is ``<tenant>-backup-r<i>``."""
    return f"{tenant}-backup" if index == 0 else f"{tenant}-backup-r{index}"


def versions_container_name(container: str) -> str:
    """Where ``container`` keeps the versions its objects had before they were overwritten or deleted."""
    return f"{container}-versions"


def encrypted_volume_type_name(tenant: str) -> str:
    """The tenant's private, LUKS-encrypted volume type."""
    return f"{tenant}-encrypted"


def ipv6_subnet_name(network: str) -> str:
    return f"{network}-ipv6"


def ipv4_subnet_name(network: str) -> str:
    return f"{network}-ipv4"


def router_name(tenant: str) -> str:
    return f"{tenant}-router"


def default_security_group_name(tenant: str) -> str:
    return f"{tenant}-default"


def swift_account(project_id: str) -> str:
    """The Swift account of a Keystone project (the ``AUTH_`` reseller prefix)."""
    return f"AUTH_{project_id}"


def sync_to(realm: str, region: str, account: str, container: str) -> str:
    """Swift's ``X-Container-Sync-To``: ``//realm/cluster/account/container`` (one cluster per region)."""
    return f"//{realm}/{region}/{account}/{container}"
