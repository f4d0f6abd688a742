"""The preview, for people (rich tables) and for tools (the preview document of docs/contracts.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from stacks import LoadedStack
from stacks.address_plan import address_plan

if TYPE_CHECKING:  # the engine brings in Pulumi (about 1 s): only the commands that preview load it
    from infra.preview import Preview

CONTAINER = "openstack:objectstorage/container:Container"


PREVIEW_VERSION = 1
"""The ``version`` of the preview document ``govcloud preview --json`` writes (docs/contracts.md)."""


def preview_document(preview: Preview, violations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON document: stack name, every resource (type, name, parent, masked inputs), violations."""
    return {
        "version": PREVIEW_VERSION,
        "stack": preview.stack,
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "parent": r.parent_label,
                "inputs": _plain_numbers(r.inputs),
            }
            for r in preview.resources
        ],
        "violations": [dict(v) for v in violations],
    }


def _plain_numbers(value: Any) -> Any:
    """The engine carries every number as a double; show whole ones as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _plain_numbers(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_plain_numbers(v) for v in value]
    return value


def render_preview(console: Console, stack: LoadedStack, preview: Preview) -> None:
    """Summarise what the mocked program declared: resources by type, tenants, address plan, replicas."""
    spec = stack.spec
    console.print(
        f"[bold]{spec.cloud.display_name or spec.cloud.name}[/] ({stack.source}): "
        f"{len(preview.resources)} resources in {len(spec.regions)} regions for {len(spec.tenants)} tenants "
        "(mock providers, nothing was changed)"
    )

    types = Table(title="Resources by type", title_justify="left")
    types.add_column("type")
    types.add_column("count", justify="right")
    for type_token, count in sorted(preview.counts_by_type().items()):
        types.add_row(type_token, str(count))
    console.print(types)

    per_tenant: Counter[str] = Counter()
    for resource in preview.resources:
        per_tenant[preview.tenant_of(resource) or "(regions)"] += 1
    tenants = Table(title="Tenants", title_justify="left")
    for column in ("tenant", "level", "home", "resources", "IPv6", "IPv4"):
        tenants.add_column(column, justify="right" if column == "resources" else "left")
    networks = Table(title="Address plan: networks", title_justify="left")
    for column in ("tenant", "network", "IPv6", "IPv4"):
        networks.add_column(column)
    for tenant, prefixes in zip(spec.tenants, address_plan(spec), strict=True):
        tenants.add_row(
            tenant.name,
            tenant.classification.value,
            tenant.home_region,
            str(per_tenant[tenant.name]),
            str(prefixes.ipv6),
            str(prefixes.ipv4 or "-"),
        )
        for network in prefixes.networks:
            networks.add_row(tenant.name, network.network, str(network.ipv6), str(network.ipv4 or "-"))
    console.print(tenants)
    console.print(networks)

    replicas = Table(title="Backup replicas (Swift container sync chain)", title_justify="left")
    for column in ("tenant", "container", "region", "syncs to", "old versions in", "key"):
        replicas.add_column(column)
    chain = [c for c in preview.of_type(CONTAINER) if "versioningLegacy" in c.inputs]
    for container in sorted(chain, key=lambda c: str(c.inputs.get("name"))):
        target = str(container.inputs.get("containerSyncTo", ""))
        replicas.add_row(
            str(container.inputs.get("metadata", {}).get("tenant", "")),
            str(container.inputs.get("name")),
            container.region or "-",
            "/".join(target.split("/")[3:4] + target.split("/")[5:]) if target else "-",
            str(container.inputs["versioningLegacy"].get("location", "-")),
            "secret" if container.is_secret("containerSyncKey") else "-",
        )
    console.print(replicas)
    console.print(f"Regional resources (providers, address scopes, subnet pools): {per_tenant['(regions)']}")
