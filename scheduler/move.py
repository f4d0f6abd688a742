"""One migration of one workload from one host to another."""

from __future__ import annotations

from dataclasses import dataclass


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
        """The CONTRACTS.md section 3 shape of a move."""
        return {
            "workload": self.workload,
            "tenant": self.tenant,
            "from_host": self.from_host,
            "to_host": self.to_host,
            "from_zone": self.from_zone,
            "to_zone": self.to_zone,
        }
