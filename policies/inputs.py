"""The simple records offline evaluation reads and writes: a resource as recorded, and a violation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PropPath = tuple[str | int, ...]


@dataclass(frozen=True)
class PolicyInput:
    """One resource as the engine would hand it to the policies.

    ``props`` are the resource's inputs in camelCase (plain JSON values; ``policies.props.UNKNOWN``
    for a value not known yet); ``secret_paths`` locate the values that are Pulumi secrets.
    ``parent`` and ``provider`` are URNs (a provider reference ``urn::id`` is accepted too);
    ``property_dependencies`` maps an input to the URNs of the resources its value came from.
    """

    type: str
    name: str
    urn: str
    props: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    provider: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    secret_paths: tuple[PropPath, ...] = ()


@dataclass(frozen=True)
class Violation:
    """One policy violation: which policy, how strictly enforced, on which resource, and why."""

    policy: str
    level: str
    resource: str
    message: str
    urn: str | None = None

    @property
    def mandatory(self) -> bool:
        return self.level == "mandatory"

    def as_json(self) -> dict[str, str]:
        """The violation as ``govcloud preview --json`` writes it (docs/contracts.md, preview)."""
        out = {"policy": self.policy, "level": self.level, "resource": self.resource, "message": self.message}
        if self.urn:
            out["urn"] = self.urn
        return out
