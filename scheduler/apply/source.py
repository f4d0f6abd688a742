"""Where an inventory comes from: a file here; live sources (OpenStack, Kubernetes) elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from scheduler.model.inventory import Inventory
from scheduler.model.inventory_file import load_inventory


@runtime_checkable
class InventorySource(Protocol):
    """Anything that can say where every workload runs now."""

    def load(self) -> Inventory:
        """Read the current inventory (raises on bad or unreachable input)."""
        ...


class FileSource:
    """An inventory file (YAML or JSON, docs/contracts.md), read afresh on every load."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> Inventory:
        return load_inventory(self.path)

    def __repr__(self) -> str:
        return f"FileSource({str(self.path)!r})"
