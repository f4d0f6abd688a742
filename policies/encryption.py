"""core-data-encrypted: core tenants' volume types encrypt, with keys kept in Barbican.

pulumi-openstack has no resource for Cinder's volume-type encryption, so a volume type declares it in
``extraSpecs`` under the ``govcloud:`` scope (which Cinder's scheduler ignores):
``govcloud:encryption_provider`` (e.g. ``luks``), ``govcloud:encryption_cipher`` and
``govcloud:encryption_key_size``. The keys come from Barbican: the tenant owns a ``keymanager.OrderV1``
of type ``key`` (Barbican generates the key) or a ``keymanager.SecretV1`` of type ``symmetric``.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies import config
from policies.levels import DEFAULT_ENCRYPTED_LEVELS
from policies.props import UNKNOWN, number
from policies.scope import StackIndex, TenantScope, label
from policies.tokens import BARBICAN_ORDER, BARBICAN_SECRET, VOLUME_TYPE

NAME = "core-data-encrypted"
DEFAULT_MIN_KEY_BITS = 256
SPEC = "govcloud:encryption_"


def encryption_problems(extra_specs: Any, min_bits: int) -> list[str]:
    """Why a volume type's extra specs do not describe encryption (empty when they do)."""
    if extra_specs is UNKNOWN:
        return []
    specs = extra_specs if isinstance(extra_specs, dict) else {}
    problems = [f"no {SPEC}{key}" for key in ("provider", "cipher") if not specs.get(f"{SPEC}{key}")]
    bits = specs.get(f"{SPEC}key_size")
    size = float(bits) if isinstance(bits, str) and bits.isdigit() else number(bits)
    if size is None or size < min_bits:
        problems.append(f"{SPEC}key_size is {bits!r}, not at least {min_bits} bits")
    return problems


def _has_barbican_key(index: StackIndex, tenant: TenantScope) -> bool:
    for resource in index.owned(tenant, BARBICAN_SECRET, BARBICAN_ORDER):
        props = index.props(resource)
        kind = props.get("secretType" if resource.resource_type == BARBICAN_SECRET else "type")
        if kind in (UNKNOWN, "symmetric", "key"):
            return True
    return False


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    settings = args.get_config()
    levels = config.str_list(settings, NAME, "levels", DEFAULT_ENCRYPTED_LEVELS)
    min_bits = config.positive_int(settings, NAME, "minKeyBits", DEFAULT_MIN_KEY_BITS)
    index = StackIndex(args.resources)
    for tenant in index.tenants:
        if tenant.classification not in levels:
            continue
        volume_types = index.owned(tenant, VOLUME_TYPE)
        if not volume_types:
            report(
                f"{tenant.classification} project {tenant.name!r} has no encrypted volume type", tenant.urn
            )
        for volume_type in volume_types:
            problems = encryption_problems(index.props(volume_type).get("extraSpecs"), min_bits)
            if problems:
                report(
                    f"{label(volume_type)} of {tenant.classification} project {tenant.name!r} is not "
                    f"encrypted with Barbican keys: {'; '.join(problems)}",
                    volume_type.urn,
                )
        if not _has_barbican_key(index, tenant):
            report(
                f"{tenant.classification} project {tenant.name!r} has no Barbican key "
                "(keymanager.SecretV1 of type symmetric or OrderV1 of type key)",
                tenant.urn,
            )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Core tenants' volume types are encrypted and their keys come from Barbican.",
    validate=validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=config.schema(
        {
            "levels": config.str_list_property(
                DEFAULT_ENCRYPTED_LEVELS, "Classification levels whose volumes must be encrypted."
            ),
            "minKeyBits": {
                "type": "integer",
                "minimum": 128,
                "default": DEFAULT_MIN_KEY_BITS,
                "description": "Smallest encryption key size allowed, in bits.",
            },
        }
    ),
    remediation_steps=(
        "Give the tenant a private blockstorage.VolumeTypeV3 whose extraSpecs set "
        "govcloud:encryption_provider (luks), govcloud:encryption_cipher (aes-xts-plain64) and "
        "govcloud:encryption_key_size (>= 256), and a keymanager.OrderV1 of type key (or a SecretV1 of "
        "type symmetric) under the tenant; never use the fixed key of cinder.conf."
    ),
)
