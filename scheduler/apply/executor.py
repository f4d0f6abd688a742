"""Who performs a move: the applier calls an executor; live executors wrap OpenStack or Kubernetes."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from scheduler.model.move import Move


class MoveFailed(Exception):
    """A move did not complete (error or timeout); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MoveDeferred(MoveFailed):
    """A move refused before anything changed (e.g. a PodDisruptionBudget allows no disruption now):
    the applier settles it as skipped ("deferred: ...") and goes on with the rest of the run; a later
    run may try it again."""


@runtime_checkable
class Executor(Protocol):
    """Performs one move at a time."""

    def migrate(self, move: Move) -> None:
        """Move the workload and return once it runs on ``move.to_host``; raise MoveFailed otherwise."""
        ...
