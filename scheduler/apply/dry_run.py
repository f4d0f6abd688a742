"""What a dry run swaps in, so that it takes the applier's one path without moving or writing anything.

The live inventory is read once; each move the run would make is recorded in memory and shown in
every later read, so limits, safety re-checks and re-planning behave exactly as when applying. The
journal is read (an unfinished run is shown as its resume would go) but never locked or written.
"""

from __future__ import annotations

from typing import Any

from scheduler.apply.executor import Executor
from scheduler.apply.journal import RunJournal, RunState
from scheduler.apply.source import InventorySource
from scheduler.model.inventory import Inventory
from scheduler.model.move import Move


class SimulatedCloud:
    """A source and an executor in one: the live state read once, with the moves made so far."""

    def __init__(self, source: InventorySource, executor: Executor, *, server_side: bool = False) -> None:
        self._source = source
        self._executor = executor
        self._server_side = server_side
        self._live: Inventory | None = None
        self._moved: dict[str, str] = {}

    def load(self) -> Inventory:
        if self._live is None:
            self._live = self._source.load()
        return self._live.with_placement(self._moved) if self._moved else self._live

    def migrate(self, move: Move) -> None:
        # server_side: an executor that can ask its backend without changing anything (Kubernetes: a
        # dry-run eviction) refuses here what it would refuse for real, e.g. a PodDisruptionBudget.
        preflight = getattr(self._executor, "preflight", None) if self._server_side else None
        if preflight is not None:
            preflight(move)
        self._moved[move.workload] = move.to_host

    def locate(self, move: Move, since: float) -> str | None:
        """Where the live executor finds a workload that left the inventory (a read, never a move)."""
        locate = getattr(self._executor, "locate", None)
        return None if locate is None else locate(move, since)

    def __repr__(self) -> str:
        return f"SimulatedCloud({self._source!r})"


class DryRunJournal(RunJournal):
    """The runs of another journal, read but never taken or written: new records stay in memory."""

    def __init__(self, journal: RunJournal) -> None:
        super().__init__()
        self.journal = journal
        self.where = journal.where

    def open(self) -> DryRunJournal:
        """Read the journal's runs; nothing is locked, created or repaired."""
        self.runs = self.journal.read_runs()
        return self

    def close(self) -> None:
        pass

    def read_runs(self) -> list[RunState]:
        return self.journal.read_runs()

    def _append(self, record: dict[str, Any]) -> None:
        self._remember(record)
