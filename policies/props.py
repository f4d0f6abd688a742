"""Reading resource props as the engine passes them: camelCase, numbers as floats, unknowns in preview.

During ``pulumi preview`` a prop that depends on another resource's output is *unknown*; touching it
through the engine's proxy raises. :func:`plain` copies props into plain dicts and lists with every
unknown replaced by :data:`UNKNOWN`, so a policy decides explicitly what an unknown value means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    """A value the engine cannot know until the update runs."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """A plain copy of ``value`` (dicts, lists, scalars) with unknowns replaced by :data:`UNKNOWN`."""
    if type(value) in _SCALARS:
        return value  # most props; skips the slow abstract-class checks below
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in value:
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items: list[Any] = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def is_known(value: Any) -> bool:
    """False for :data:`UNKNOWN`, True for anything else."""
    return value is not UNKNOWN


def text(props: Mapping[str, Any], key: str) -> str | None:
    """A known, non-empty string prop, else None."""
    value = props.get(key)
    return value if isinstance(value, str) and value else None


def number(value: Any) -> float | None:
    """A known number (the engine passes every number as a float), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def tags(props: Mapping[str, Any]) -> tuple[str, ...]:
    """The known string tags of a resource (its ``tags`` list input)."""
    value = props.get("tags")
    if not isinstance(value, list):
        return ()
    return tuple(tag for tag in value if isinstance(tag, str))


def tag_values(all_tags: Iterable[str], key: str) -> tuple[str, ...]:
    """Values of ``key:value`` tags with the given key, in order."""
    prefix = f"{key}:"
    return tuple(tag[len(prefix) :] for tag in all_tags if tag.startswith(prefix))


def tag_value(all_tags: Iterable[str], key: str) -> str | None:
    """The first value of a ``key:value`` tag, or None."""
    values = tag_values(all_tags, key)
    return values[0] if values else None
