"""quota-within-capacity (advisory): quotas promised in a region fit its capacity after overcommit.

Capacity is not a resource the program declares, so it comes from the pack's config: per region the
allocatable vCPUs, RAM GiB and volume GiB (physical capacity x overcommit). ``govcloud preview``
derives it from the stack file; with ``pulumi preview`` pass it in ``--policy-pack-config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.config import PolicyConfigError, schema
from policies.props import number, text
from policies.scope import StackIndex
from policies.tokens import BLOCK_STORAGE_QUOTA, COMPUTE_QUOTA

NAME = "quota-within-capacity"

# (config key, quota type, quota prop, how many config units one quota unit is, what people call it)
_MEASURES: tuple[tuple[str, str, str, float, str], ...] = (
    ("vcpu", COMPUTE_QUOTA, "cores", 1.0, "vCPU"),
    ("ramGib", COMPUTE_QUOTA, "ram", 1 / 1024, "GiB of RAM"),  # Nova counts RAM in MiB
    ("volumeGib", BLOCK_STORAGE_QUOTA, "gigabytes", 1.0, "GiB of volumes"),
)


@dataclass(frozen=True)
class RegionCapacity:
    """What a region can allocate after overcommit; None means not declared."""

    vcpu: float | None = None
    ram_gib: float | None = None
    volume_gib: float | None = None

    def of(self, key: str) -> float | None:
        """The capacity under its config key (vcpu, ramGib, volumeGib)."""
        return getattr(self, _FIELDS[key])


_FIELDS = {"vcpu": "vcpu", "ramGib": "ram_gib", "volumeGib": "volume_gib"}


def region_capacities(config: Mapping[str, Any]) -> dict[str, RegionCapacity]:
    """The ``regions`` config read into one capacity per region; bad values raise PolicyConfigError."""
    regions = config.get("regions") or {}
    if not isinstance(regions, Mapping):
        raise PolicyConfigError(NAME, "regions", "must be an object of region names to capacities")
    out = {}
    for region, values in regions.items():
        if not isinstance(values, Mapping):
            raise PolicyConfigError(NAME, f"regions.{region}", "must be an object")
        fields: dict[str, float] = {}
        for key, value in values.items():
            amount = number(value)
            if key not in _FIELDS or amount is None or amount < 0:
                raise PolicyConfigError(
                    NAME, f"regions.{region}.{key}", "expected vcpu, ramGib or volumeGib, a number >= 0"
                )
            fields[_FIELDS[key]] = amount
        out[str(region)] = RegionCapacity(**fields)
    return out


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    capacities = region_capacities(args.get_config())
    if not capacities:
        args.not_applicable("no region capacities in the policy config")
    index = StackIndex(args.resources)
    promised: dict[tuple[str, str], float] = {}
    for key, quota_type, prop, scale, _ in _MEASURES:
        for quota in index.of_type(quota_type):
            props = index.props(quota)
            region, amount = text(props, "region"), number(props.get(prop))
            if region is None or amount is None or amount < 0:
                continue  # unlimited or unset quotas are tenant-quotas-required's business
            promised[(region, key)] = promised.get((region, key), 0.0) + amount * scale
    for region in sorted({region for region, _ in promised} - set(capacities)):
        report(f"quotas are promised in region {region!r}, whose capacity the config does not give", None)
    for (region, key), total in sorted(promised.items()):
        capacity = capacities.get(region)
        if capacity is None:
            continue
        allocatable = capacity.of(key)
        what = next(m[4] for m in _MEASURES if m[0] == key)
        if allocatable is not None and total > allocatable:
            report(
                f"region {region!r}: quotas promise {total:,.0f} {what}, more than the {allocatable:,.0f} "
                "allocatable after overcommit",
                None,
            )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Quotas summed per region stay within the region's capacity after overcommit.",
    validate=validate,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=schema(
        {
            "regions": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "vcpu": {"type": "number", "minimum": 0},
                        "ramGib": {"type": "number", "minimum": 0},
                        "volumeGib": {"type": "number", "minimum": 0},
                    },
                    "additionalProperties": False,
                },
                "default": {},
                "description": "Allocatable capacity (physical x overcommit) per region.",
            }
        }
    ),
    remediation_steps=(
        "Lower the tenants' quotas in that region, add zones or capacity to it, or move tenants to "
        "another region; the stack's cloud.overcommit_allowed only turns this into a warning."
    ),
)
