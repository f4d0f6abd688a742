"""What one call of the applier did (or, in a dry run, would do): its steps, in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scheduler.apply.journal import FAILED, UNKNOWN
from scheduler.model.move import Move

WOULD_MOVE = "would-move"
"""A dry run's status for a move that applying would now make."""


@dataclass(frozen=True)
class Step:
    """One move and what became of it. ``resumed``: settled by an earlier, interrupted run."""

    move: Move
    status: str
    reason: str | None = None
    resumed: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.move.to_json(), "status": self.status}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.resumed:
            out["resumed"] = True
        return out


@dataclass(frozen=True)
class ApplyReport:
    """Everything one call of :func:`~scheduler.apply.applier.apply_plan` did, in order."""

    run: str | None
    dry_run: bool
    resumed: bool
    steps: tuple[Step, ...]
    replans: tuple[str, ...]
    before: float
    after: float
    journal: str | None
    """Where the run is journaled (a file, or e.g. ``configmap govcloud/govcloud-journal``)."""
    stopped: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for step in self.steps if step.status == status)

    @property
    def ok(self) -> bool:
        """True when no move failed or ended unknown."""
        return not any(step.status in (FAILED, UNKNOWN) for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "dry_run": self.dry_run,
            "resumed": self.resumed,
            "journal": self.journal,
            "steps": [step.to_json() for step in self.steps],
            "replans": list(self.replans),
            "before": {"imbalance": round(self.before, 6)},
            "after": {"imbalance": round(self.after, 6)},
            "stopped": self.stopped,
        }
