"""The inventory file (YAML or JSON, docs/contracts.md): read, checked, and written back.

This is the scheduler's only file-format code. Errors name the file, the entry and the reason, and
no inventory is produced from a file with any error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TextIO

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scheduler.model.inventory import Host, Inventory, InventoryTenant, InventoryZone, Workload
from stacks.input_file import (
    DuplicateKey,
    InputError,
    MiB,
    compose_yaml,
    construct_yaml,
    load_json,
    paused_gc,
    read_text,
)


class InventoryError(Exception):
    """An inventory that cannot be used; ``problems`` lists each one as ``file: entry: reason``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


MAX_INVENTORY_BYTES = 512 * MiB
"""The largest inventory file read (a million workloads take about 200 MiB of YAML)."""

INVENTORY_VERSION = 1
"""The ``version`` of the inventory format this code reads and writes (optional in a file)."""


MAX_AMOUNT = 1e18
"""The largest amount (capacity, request, quota cap, ratio) accepted: sums of a million stay finite."""

Amount = Annotated[float, Field(allow_inf_nan=False, le=MAX_AMOUNT)]
"""A finite number no larger than :data:`MAX_AMOUNT` (its lower bound is checked with the entry)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class HostEntry(_Model):
    """A host: unique name, capacity per resource (>= 0), and whether it may receive workloads."""

    name: str = Field(min_length=1)
    capacity: dict[str, Amount] = Field(description="resource -> capacity (>= 0), any resource names")
    schedulable: bool = Field(True, description="false = cordoned: may not receive workloads")
    allocation_ratio: dict[str, Amount] = Field(
        default_factory=dict,
        description="resource -> overcommit ratio (> 0, default 1.0): capacity is after overcommit, "
        "physical capacity = capacity / ratio",
    )


class ZoneEntry(_Model):
    """An availability zone and its hosts."""

    name: str = Field(min_length=1)
    region: str | None = None
    hosts: list[HostEntry] = Field(default_factory=list)


class TenantEntry(_Model):
    """A tenant (agency) and its optional quota caps per zone; an unnamed resource is unlimited."""

    name: str = Field(min_length=1)
    quota: dict[str, dict[str, Amount]] = Field(
        default_factory=dict, description="zone -> resource -> cap (>= 0)"
    )


class WorkloadEntry(_Model):
    """A workload (VM or pod) and where it runs now."""

    name: str = Field(min_length=1)
    tenant: str | None = None
    host: str = Field(min_length=1, description="the host it runs on now")
    requests: dict[str, Amount] = Field(
        default_factory=dict, description="resource -> request (>= 0); a missing resource counts as 0"
    )
    group: str | None = Field(None, description="replicas of one service share a group")
    allowed_zones: list[str] | None = Field(None, description="data residency: the zones it may run in")
    movable: bool = Field(True, description="false = pinned: never moved")


class InventoryFile(_Model):
    """The inventory file: zones with hosts, tenants with quotas, and workloads placed on hosts."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="govcloud inventory",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    version: Literal[1] = Field(
        default=INVENTORY_VERSION, description="Version of the inventory format (docs/contracts.md)."
    )
    zones: list[ZoneEntry] = Field(min_length=1)
    tenants: list[TenantEntry] = Field(default_factory=list)
    workloads: list[WorkloadEntry] = Field(default_factory=list)


def inventory_json_schema() -> dict[str, Any]:
    """The JSON Schema of the inventory file (shipped as ``scheduler/model/inventory.schema.json``)."""
    schema = InventoryFile.model_json_schema()
    _require_non_negative(schema)
    return schema


def _require_non_negative(schema: dict[str, Any]) -> None:
    # Amount maps (capacity, requests, quota caps) take numbers >= 0; say so in the schema too.
    defs = schema.get("$defs", {})
    for name, key in (("HostEntry", "capacity"), ("WorkloadEntry", "requests")):
        defs[name]["properties"][key]["additionalProperties"] = {"type": "number", "minimum": 0}
    ratio = defs["HostEntry"]["properties"]["allocation_ratio"]
    ratio["additionalProperties"] = {"type": "number", "exclusiveMinimum": 0}
    quota = defs["TenantEntry"]["properties"]["quota"]
    quota["additionalProperties"]["additionalProperties"] = {"type": "number", "minimum": 0}


def load_inventory(path: str | Path) -> Inventory:
    """Read and check an inventory file (YAML, or JSON by its ``.json`` suffix)."""
    source = str(path)
    is_json = source.endswith(".json")
    with paused_gc():
        try:
            text = read_text(path, MAX_INVENTORY_BYTES)
            data = load_json(text) if is_json else _load_yaml(text, source)
        except InputError as error:
            where = source if error.line is None else f"{source}:{error.line}"
            reason = error.reason.replace("malformed YAML", "not valid YAML")
            raise InventoryError([f"{where}: {reason}"]) from None
        return parse_inventory(data, source)


def _load_yaml(text: str, source: str) -> Any:
    node = compose_yaml(text)
    if node is None:
        return None
    duplicates: list[DuplicateKey] = []
    data = construct_yaml(node, duplicates)
    if duplicates:
        raise InventoryError(
            [f"{source}:{d.line}: key {d.key!r} appears twice in one mapping" for d in duplicates]
        )
    return data


def parse_inventory(data: Any, source: str = "<inventory>") -> Inventory:
    """Check already-parsed data (a dict) and build the :class:`Inventory`."""
    if not isinstance(data, dict):
        raise InventoryError([f"{source}: expected a mapping with zones, tenants and workloads"])
    try:
        model = InventoryFile.model_validate(data)
    except ValidationError as error:
        raise InventoryError(
            [_describe(item, data, source) for item in error.errors(include_url=False)]
        ) from None
    problems = _check(model, source)
    if problems:
        raise InventoryError(problems)
    return _build(model)


def _describe(item: Any, data: dict[str, Any], source: str) -> str:
    loc = list(item["loc"])
    where = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            where += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("name"), str):
                where += f" ({node['name']})"
        else:
            where += f".{part}" if where else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    message = item["msg"]
    if item["type"] == "extra_forbidden":
        message = "unknown key (see scheduler/model/inventory.schema.json)"
    elif item["type"] == "missing":
        message = "required field is missing"
    return f"{source}: {where or '(top level)'}: {message}"


def _check(model: InventoryFile, source: str) -> list[str]:
    problems: list[str] = []

    def problem(where: str, reason: str) -> None:
        problems.append(f"{source}: {where}: {reason}")

    zones: set[str] = set()
    hosts: dict[str, str] = {}
    resources: set[str] = set()
    for zi, zone in enumerate(model.zones):
        if zone.name in zones:
            problem(f"zones[{zi}] ({zone.name})", "duplicate zone name")
        zones.add(zone.name)
        for hi, host in enumerate(zone.hosts):
            where = f"zones[{zi}].hosts[{hi}] ({host.name})"
            if host.name in hosts:
                problem(where, f"duplicate host name (also in zone {hosts[host.name]})")
            hosts[host.name] = zone.name
            for resource, amount in host.capacity.items():
                if not amount >= 0:
                    problem(f"{where}.capacity.{resource}", f"must be a number >= 0, got {amount}")
                resources.add(resource)
            for resource, ratio in host.allocation_ratio.items():
                at = f"{where}.allocation_ratio.{resource}"
                if not (math.isfinite(ratio) and ratio > 0):
                    problem(at, f"must be a number > 0, got {ratio}")
                if resource not in host.capacity:
                    problem(at, f"the host has no capacity for {resource!r}")
    tenants: set[str] = set()
    for ti, tenant in enumerate(model.tenants):
        where = f"tenants[{ti}] ({tenant.name})"
        if tenant.name in tenants:
            problem(where, "duplicate tenant name")
        tenants.add(tenant.name)
        for zone, caps in tenant.quota.items():
            if zone not in zones:
                problem(f"{where}.quota.{zone}", f"unknown zone {zone!r}")
            for resource, amount in caps.items():
                if not amount >= 0:
                    problem(f"{where}.quota.{zone}.{resource}", f"must be a number >= 0, got {amount}")
                if resource not in resources:
                    problem(f"{where}.quota.{zone}.{resource}", f"no host has capacity for {resource!r}")
    names: set[str] = set()
    for wi, workload in enumerate(model.workloads):
        where = f"workloads[{wi}] ({workload.name})"
        if workload.name in names:
            problem(where, "duplicate workload name")
        names.add(workload.name)
        if workload.host not in hosts:
            problem(f"{where}.host", f"unknown host {workload.host!r}")
        if tenants and workload.tenant is not None and workload.tenant not in tenants:
            problem(f"{where}.tenant", f"unknown tenant {workload.tenant!r} (not in tenants)")
        for resource, amount in workload.requests.items():
            if not amount >= 0:
                problem(f"{where}.requests.{resource}", f"must be a number >= 0, got {amount}")
            if resource not in resources:
                problem(f"{where}.requests.{resource}", f"no host has capacity for {resource!r}")
        for zone in workload.allowed_zones or ():
            if zone not in zones:
                problem(f"{where}.allowed_zones", f"unknown zone {zone!r}")
        if workload.allowed_zones is not None and not workload.allowed_zones:
            problem(f"{where}.allowed_zones", "empty: the workload could run nowhere")
    return problems


def _build(model: InventoryFile) -> Inventory:
    zones = tuple(
        InventoryZone(
            zone.name,
            zone.region,
            tuple(Host(h.name, zone.name, h.capacity, h.schedulable, h.allocation_ratio) for h in zone.hosts),
        )
        for zone in model.zones
    )
    tenants = tuple(InventoryTenant(t.name, t.quota) for t in model.tenants)
    workloads = tuple(
        Workload(
            w.name,
            w.tenant,
            w.host,
            w.requests,
            w.group,
            None if w.allowed_zones is None else frozenset(w.allowed_zones),
            w.movable,
        )
        for w in model.workloads
    )
    return Inventory(zones, tenants, workloads)


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: same text, 4x faster


def write_inventory_yaml(inv: Inventory, stream: TextIO) -> None:
    """Write ``inv`` to ``stream`` as an inventory YAML document (keys in the contract's order)."""
    with paused_gc():
        yaml.dump(inventory_to_dict(inv), stream, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def inventory_to_dict(inv: Inventory) -> dict[str, Any]:
    """The inventory document of docs/contracts.md for ``inv`` (loadable by :func:`parse_inventory`)."""
    return {
        "version": INVENTORY_VERSION,
        "zones": [
            {
                "name": zone.name,
                **({"region": zone.region} if zone.region is not None else {}),
                "hosts": [
                    {
                        "name": h.name,
                        "capacity": dict(h.capacity),
                        "schedulable": h.schedulable,
                        **({"allocation_ratio": dict(h.allocation_ratio)} if h.allocation_ratio else {}),
                    }
                    for h in zone.hosts
                ],
            }
            for zone in inv.zones
        ],
        "tenants": [
            {"name": t.name, "quota": {z: dict(caps) for z, caps in t.quota.items()}} for t in inv.tenants
        ],
        "workloads": [
            {
                "name": w.name,
                **({"tenant": w.tenant} if w.tenant is not None else {}),
                "host": w.host,
                "requests": dict(w.requests),
                **({"group": w.group} if w.group is not None else {}),
                **({"allowed_zones": sorted(w.allowed_zones)} if w.allowed_zones is not None else {}),
                "movable": w.movable,
            }
            for w in inv.workloads
        ],
    }
