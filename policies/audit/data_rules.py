"""The audit's rules for a tenant's data: off-site backup chain, encrypted volume type, zone residency."""

from __future__ import annotations

from collections.abc import Iterator

from policies.audit.findings import Finding, Kind
from policies.audit.model import ObservedCloud
from stacks.naming import container_name, encrypted_volume_type_name, sync_to, versions_container_name
from stacks.replica import BackupPlan

EXPECTED_PROVIDER = "luks"
EXPECTED_CIPHER = "aes-xts-plain64"
CONTROL_LOCATIONS = ("front-end", "back-end")


def backup_findings(
    tenant: str, level: str, plan: BackupPlan, cloud: ObservedCloud, realm: str
) -> Iterator[Finding]:
    """The chain primary -> replica 1 -> ... exists, syncs as declared, with one key, each versioned."""
    if not plan.replicas:
        return
    chain = [(0, plan.home_region), *((r.index, r.region) for r in plan.replicas)]
    primary_key: str | None = None
    for position, (index, region) in enumerate(chain):
        name = container_name(tenant, index)
        account = cloud.backup_accounts.get(region, "?")
        resource = f"container {region}/{name}"
        observed = cloud.containers.get((region, name))
        if observed is None:
            role = "primary" if index == 0 else f"replica {index}"
            yield Finding(
                Kind.CONTAINER_MISSING,
                tenant,
                level,
                resource,
                f"container {name!r} in {region} ({account})",
                "no such container",
                f"the backup {role} of {tenant!r} is missing in {region}: "
                f"{len(chain) - 1} off-site replica(s) demanded",
            )
            continue
        following = chain[position + 1] if position + 1 < len(chain) else None
        expected_to = None
        if following is not None:
            next_account = cloud.backup_accounts.get(following[1], "?")
            expected_to = sync_to(realm, following[1], next_account, container_name(tenant, following[0]))
        if observed.sync_to != expected_to:
            yield Finding(
                Kind.SYNC_DRIFT,
                tenant,
                level,
                resource,
                f"X-Container-Sync-To {expected_to or 'unset (last of the chain)'}",
                f"X-Container-Sync-To {observed.sync_to or 'unset'}",
                f"container sync of {region}/{name} does not follow the declared chain",
            )
        if not observed.sync_key:
            yield Finding(
                Kind.SYNC_DRIFT,
                tenant,
                level,
                resource,
                "a container sync key",
                "no sync key",
                f"{region}/{name} has no container sync key: nothing syncs through it",
            )
        elif index == 0:
            primary_key = observed.sync_key
        elif primary_key is not None and observed.sync_key != primary_key:
            yield Finding(
                Kind.SYNC_DRIFT,
                tenant,
                level,
                resource,
                f"the sync key of {plan.home_region}/{container_name(tenant)}",
                "another key (values not shown)",
                f"{region}/{name} has another sync key than its primary: the peer refuses the sync",
            )
        versions = versions_container_name(name)
        if observed.history_location != versions or (region, versions) not in cloud.containers:
            have = observed.history_location or "unset"
            if observed.history_location == versions:
                have += " (container missing)"
            yield Finding(
                Kind.VERSIONS_MISSING,
                tenant,
                level,
                resource,
                f"X-History-Location {versions} (an existing container)",
                f"X-History-Location {have}",
                f"overwritten and deleted objects of {region}/{name} are not kept",
            )


def encryption_findings(
    tenant: str, level: str, plan: BackupPlan, cloud: ObservedCloud, min_bits: int
) -> Iterator[Finding]:
    """A tenant whose level demands encryption has its private volume type with a LUKS encryption spec."""
    if not plan.encryption:
        return
    name = encrypted_volume_type_name(tenant)
    resource = f"volume type {name}"
    expected = f"{EXPECTED_PROVIDER} {EXPECTED_CIPHER} >= {min_bits}-bit keys, front-end"
    observed = cloud.volume_types.get(name)
    if observed is None:
        yield Finding(
            Kind.VOLUME_TYPE_MISSING,
            tenant,
            level,
            resource,
            f"private volume type {name!r} encrypted with {expected}",
            "no such volume type",
            f"{level} tenant {tenant!r} has no encrypted volume type: its volumes are stored in clear",
        )
        return
    spec = observed.encryption
    if spec is None:
        yield Finding(
            Kind.ENCRYPTION_DRIFT,
            tenant,
            level,
            resource,
            expected,
            "no encryption spec",
            f"volume type {name!r} has no Cinder encryption spec: its volumes are stored in clear",
        )
    else:
        problems = []
        if spec.provider not in (EXPECTED_PROVIDER, "nova.volume.encryptors.luks.LuksEncryptor"):
            problems.append(f"provider {spec.provider}")
        if spec.cipher != EXPECTED_CIPHER:
            problems.append(f"cipher {spec.cipher}")
        if spec.key_size is None or spec.key_size < min_bits:
            problems.append(f"key size {spec.key_size}")
        if spec.control_location not in CONTROL_LOCATIONS:
            problems.append(f"control location {spec.control_location}")
        if problems:
            yield Finding(
                Kind.ENCRYPTION_DRIFT,
                tenant,
                level,
                resource,
                expected,
                f"{spec.provider} {spec.cipher} {spec.key_size}-bit, {spec.control_location}",
                f"the encryption of volume type {name!r} is weaker than declared: {', '.join(problems)}",
            )
    if observed.is_public or tenant not in observed.projects:
        yield Finding(
            Kind.ENCRYPTION_DRIFT,
            tenant,
            level,
            resource,
            f"private, usable by project {tenant!r} only",
            "public" if observed.is_public else f"private, projects: {', '.join(sorted(observed.projects))}",
            f"volume type {name!r} is not the private type of {tenant!r}",
        )


def residency_findings(tenant: str, level: str, plan: BackupPlan, cloud: ObservedCloud) -> Iterator[Finding]:
    """No server of the tenant runs, and no volume of it is stored, in a zone its classification forbids.

    Volumes are matched by their Cinder availability zone, which must carry the stack's zone names.
    """
    if plan.zones is None:
        return
    allowed = ", ".join(plan.zones)
    for server in cloud.servers:
        if server.project == tenant and server.zone not in plan.zones:
            yield Finding(
                Kind.RESIDENCY,
                tenant,
                level,
                f"server {tenant}/{server.name} ({server.id})",
                f"a zone of {allowed}",
                f"zone {server.zone}",
                f"{level} data of {tenant!r} runs in zone {server.zone!r}, outside {allowed}",
            )
    for volume in cloud.volumes:
        if volume.project == tenant and volume.zone not in plan.zones:
            yield Finding(
                Kind.RESIDENCY,
                tenant,
                level,
                f"volume {tenant}/{volume.name} ({volume.id})",
                f"a zone of {allowed}",
                f"zone {volume.zone or '(none)'}",
                f"{level} data of {tenant!r} is stored in zone {volume.zone!r}, outside {allowed}",
            )
