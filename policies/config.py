"""Reading a policy's config (what ``--policy-pack-config`` gives it) with the pack's defaults.

Every threshold has a default here and in the policy's config schema, so a pack run without any
config enforces sensible rules. Bad config is an error naming the policy, the key and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema


class PolicyConfigError(ValueError):
    """A policy's config that cannot be used."""

    def __init__(self, policy: str, key: str, reason: str) -> None:
        super().__init__(f"policy {policy!r}: config {key!r}: {reason}")
        self.policy = policy
        self.key = key
        self.reason = reason


def int_list(config: Mapping[str, Any], policy: str, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A list of whole numbers (numbers arrive as floats from the engine)."""
    value = config.get(key)
    if value is None:
        return default
    if not isinstance(value, list | tuple) or not all(_whole(v) for v in value):
        raise PolicyConfigError(policy, key, "must be a list of whole numbers")
    return tuple(int(v) for v in value)


def str_list(config: Mapping[str, Any], policy: str, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A list of non-empty strings (the schema property is :func:`str_list_property`)."""
    value = config.get(key)
    if value is None:
        return default
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise PolicyConfigError(policy, key, "must be a list of non-empty strings")
    return tuple(value)


def int_map(config: Mapping[str, Any], policy: str, key: str, default: Mapping[str, int]) -> dict[str, int]:
    """A map of names to whole numbers >= 0, merged over the defaults."""
    value = config.get(key)
    merged = dict(default)
    if value is None:
        return merged
    if not isinstance(value, Mapping):
        raise PolicyConfigError(policy, key, "must be an object of names to whole numbers")
    for name, number in value.items():
        if not _whole(number) or number < 0:
            raise PolicyConfigError(policy, f"{key}.{name}", "must be a whole number >= 0")
        merged[str(name)] = int(number)
    return merged


def positive_int(config: Mapping[str, Any], policy: str, key: str, default: int) -> int:
    """A whole number > 0."""
    value = config.get(key)
    if value is None:
        return default
    if not _whole(value) or value <= 0:
        raise PolicyConfigError(policy, key, "must be a whole number > 0")
    return int(value)


def schema(properties: Mapping[str, Mapping[str, Any]]) -> PolicyConfigSchema:
    """A config schema whose every property is optional (the defaults apply)."""
    return PolicyConfigSchema(properties={k: dict(v) for k, v in properties.items()})


def str_list_property(default: tuple[str, ...], description: str) -> dict[str, Any]:
    """The schema property of a list of strings read with :func:`str_list`."""
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": list(default),
        "description": description,
    }


def _whole(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and float(value).is_integer()
