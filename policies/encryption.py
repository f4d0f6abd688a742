"""core-data-encrypted: every volume type of a core tenant carries a Cinder encryption spec.

Cinder encrypts a volume (LUKS, in the hypervisor for ``front-end``) when its volume type has an
encryption spec: provider, cipher, key size and control location. pulumi-openstack has no resource for
that API, so the program declares it as a dynamic resource
(``pulumi-python:dynamic/cinder:VolumeTypeEncryption``) whose ``volumeTypeId`` input comes from the
volume type. The keys are Barbican secrets that Cinder itself orders, one per volume, when the volume is
created; nothing in the stack declares or holds them.
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
from policies.levels import DEFAULT_ENCRYPTED_LEVELS
from policies.props import UNKNOWN, number
from policies.scope import StackIndex, label
from policies.tokens import VOLUME_TYPE, VOLUME_TYPE_ENCRYPTION

NAME = "core-data-encrypted"
DEFAULT_MIN_KEY_BITS = 256
CONTROL_LOCATIONS = ("front-end", "back-end")


def encryption_problems(props: dict[str, Any], min_bits: int) -> list[str]:
    """Why an encryption spec does not protect the data (empty when it does; unknowns pass)."""
    problems = []
    for key in ("provider", "cipher"):
        value = props.get(key)
        if value is not UNKNOWN and not (isinstance(value, str) and value):
            problems.append(f"no {key}")
    bits = props.get("keySize")
    if bits is not UNKNOWN:
        size = float(bits) if isinstance(bits, str) and bits.isdigit() else number(bits)
        if size is None or size < min_bits:
            problems.append(f"keySize is {bits!r}, not at least {min_bits} bits")
    location = props.get("controlLocation")
    if location is not UNKNOWN and location not in CONTROL_LOCATIONS:
        problems.append(f"controlLocation is {location!r}, not one of {', '.join(CONTROL_LOCATIONS)}")
    return problems


def _encryptions_by_volume_type(index: StackIndex) -> dict[str, list[PolicyResource]]:
    """Each volume type's encryption specs, found through the ``volumeTypeId`` they were given."""
    found: dict[str, list[PolicyResource]] = {}
    for encryption in index.of_type(VOLUME_TYPE_ENCRYPTION):
        for volume_type in encryption.property_dependencies.get("volumeTypeId", ()):
            found.setdefault(volume_type.urn, []).append(encryption)
    return found


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    settings = args.get_config()
    levels = config.str_list(settings, NAME, "levels", DEFAULT_ENCRYPTED_LEVELS)
    min_bits = config.positive_int(settings, NAME, "minKeyBits", DEFAULT_MIN_KEY_BITS)
    index = StackIndex(args.resources)
    encryptions = _encryptions_by_volume_type(index)
    for tenant in index.tenants:
        if tenant.classification not in levels:
            continue
        volume_types = index.owned(tenant, VOLUME_TYPE)
        if not volume_types:
            report(
                f"{tenant.classification} project {tenant.name!r} has no encrypted volume type", tenant.urn
            )
        for volume_type in volume_types:
            specs = encryptions.get(volume_type.urn, [])
            if not specs:
                report(
                    f"{label(volume_type)} of {tenant.classification} project {tenant.name!r} has no "
                    "Cinder encryption spec (no VolumeTypeEncryption takes its id): its volumes would "
                    "be stored in clear",
                    volume_type.urn,
                )
            for spec in specs:
                problems = encryption_problems(index.props(spec), min_bits)
                if problems:
                    report(
                        f"{label(spec)} of {label(volume_type)} ({tenant.classification} project "
                        f"{tenant.name!r}) is too weak: {'; '.join(problems)}",
                        spec.urn,
                    )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Every volume type of a core tenant has a Cinder encryption spec (LUKS, keys from Barbican).",
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
        "Give the tenant a private blockstorage.VolumeTypeV3 and, for it, a VolumeTypeEncryption "
        "(infra/volume_encryption.py) with provider luks, cipher aes-xts-plain64, keySize >= 256 and "
        "controlLocation front-end; Cinder then has Barbican create a key for every volume of that type. "
        "Never rely on the fixed key of cinder.conf."
    ),
)
