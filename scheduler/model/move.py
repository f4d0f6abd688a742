"""One migration of one workload from one host to another."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Move:
    """Move ``workload`` (owned by ``tenant``) from ``from_host`` in ``from_zone`` to ``to_host``."""

    workload: str
    tenant: str | None
    from_host: str
    to_host: str
    from_zone: str
    to_zone: str

    def to_json(self) -> dict[str, str | None]:
        """The shape of a move in a plan (docs/contracts.md, plan)."""
        return {
            "workload": self.workload,
            "tenant": self.tenant,
            "from_host": self.from_host,
            "to_host": self.to_host,
            "from_zone": self.from_zone,
            "to_zone": self.to_zone,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Move:
        """The move :meth:`to_json` wrote (KeyError or TypeError when a field is missing or malformed)."""
        tenant = data.get("tenant")
        return cls(
            workload=_text(data["workload"]),
            tenant=None if tenant is None else _text(tenant),
            from_host=_text(data["from_host"]),
            to_host=_text(data["to_host"]),
            from_zone=_text(data["from_zone"]),
            to_zone=_text(data["to_zone"]),
        )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value
