"""remote-backup-required: important and core data keep enough replicas off-site, synced with a key.

A tenant's replicas are its Swift containers outside its home region that are joined to a container
in the home region by container sync (``containerSyncTo`` naming the other container, the same
``containerSyncKey`` on both ends). How many it needs: the pack's config per level, or more when the
project's ``backup-replicas:<n>`` tag says so.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies import config
from policies.levels import DEFAULT_REPLICAS
from policies.props import UNKNOWN, is_known, text
from policies.scope import StackIndex, TenantScope, label
from policies.tokens import CONTAINER

NAME = "remote-backup-required"


def required_replicas(tenant: TenantScope, per_level: dict[str, int]) -> int:
    """Remote replicas the tenant needs: its level's number, or more when its project tag demands it."""
    demanded = per_level.get(tenant.classification or "", 0)
    return max(demanded, tenant.replicas_demanded or 0)


def sync_target(props: dict[str, Any]) -> str | None:
    """The container name a ``containerSyncTo`` points at (its last path segment)."""
    to = props.get("containerSyncTo")
    if not isinstance(to, str) or not to.strip("/"):
        return None
    return to.rstrip("/").rsplit("/", 1)[-1]


def _key(props: dict[str, Any]) -> Any:
    key = props.get("containerSyncKey")
    return key if key is UNKNOWN or (isinstance(key, str) and key) else None


def synced_component(index: StackIndex, containers: list[PolicyResource], home: str) -> set[str]:
    """URNs of the containers joined to a home-region container by container sync with matching keys."""
    props = {c.urn: index.props(c) for c in containers}
    by_name = {p.get("name"): urn for urn, p in props.items() if isinstance(p.get("name"), str)}
    links: dict[str, set[str]] = {c.urn: set() for c in containers}
    for urn, p in props.items():
        target = by_name.get(sync_target(p))
        if target is None or target == urn:
            continue
        mine, theirs = _key(p), _key(props[target])
        if mine is None or theirs is None:
            continue
        if is_known(mine) and is_known(theirs) and mine != theirs:
            continue
        links[urn].add(target)
        links[target].add(urn)
    seen = {urn for urn, p in props.items() if p.get("region") == home}
    frontier = list(seen)
    while frontier:
        for neighbour in links[frontier.pop()]:
            if neighbour not in seen:
                seen.add(neighbour)
                frontier.append(neighbour)
    return seen


def version_stores(index: StackIndex, containers: list[PolicyResource]) -> set[str]:
    """URNs of containers that only hold another container's old versions (history/versions mode).

    They live beside the container they serve and are no replicas of their own.
    """
    props = {c.urn: index.props(c) for c in containers}
    locations = set()
    for p in props.values():
        legacy = p.get("versioningLegacy")
        if isinstance(legacy, dict) and isinstance(legacy.get("location"), str):
            locations.add((p.get("region"), legacy["location"]))
    return {urn for urn, p in props.items() if (p.get("region"), p.get("name")) in locations}


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    per_level = config.int_map(args.get_config(), NAME, "replicas", DEFAULT_REPLICAS)
    index = StackIndex(args.resources)
    for tenant in index.tenants:
        needed = required_replicas(tenant, per_level)
        if not needed:
            continue
        home = tenant.home_region
        if home is None:
            report(f"project {tenant.name!r} names no home region (tag 'home-region:<region>')", tenant.urn)
            continue
        owned = index.owned(tenant, CONTAINER)
        stores = version_stores(index, owned)
        containers = [c for c in owned if c.urn not in stores]
        linked = synced_component(index, containers, home)
        replicas, unlinked = [], []
        for container in containers:
            props = index.props(container)
            region = text(props, "region")
            if region is None or region == home:
                continue
            (replicas if container.urn in linked else unlinked).append(container)
        if not any(text(index.props(c), "region") == home for c in containers):
            report(
                f"{tenant.classification} project {tenant.name!r} has no Swift container in its home "
                f"region {home!r} to replicate from",
                tenant.urn,
            )
        for container in unlinked:
            report(
                f"{label(container)} of project {tenant.name!r} is not linked to the home region by "
                "container sync with a shared secret key",
                container.urn,
            )
        if len(replicas) < needed:
            report(
                f"{tenant.classification} project {tenant.name!r} needs {needed} remote replica(s) outside "
                f"home region {home!r} linked by container sync; it has {len(replicas)}",
                tenant.urn,
            )


POLICY = StackValidationPolicy(
    name=NAME,
    description=(
        "Important and core data have the replicas their level demands, in a region other than home, "
        "linked by container sync with a secret key."
    ),
    validate=validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=config.schema(
        {
            "replicas": {
                "type": "object",
                "additionalProperties": {"type": "integer", "minimum": 0},
                "default": dict(DEFAULT_REPLICAS),
                "description": "Remote replicas each classification level demands.",
            }
        }
    ),
    remediation_steps=(
        "Give the tenant a versioned objectstorage.Container in its home region and one per replica in "
        "backup-site regions; set containerSyncTo on each to the next container and the same "
        "containerSyncKey (a Pulumi secret) on every one of them."
    ),
)
