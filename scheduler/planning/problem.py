"""What every planning strategy is given: the inventory as arrays, where it starts, and its limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.model.inventory import Inventory
from scheduler.model.plan import Snapshot
from scheduler.planning.arrays import Arrays

Progress = Callable[[float], None]
"""Told the fraction of the work done (0..1), for a progress bar."""


@dataclass(frozen=True)
class Problem:
    """One rebalancing problem, as a strategy receives it.

    ``bound`` is the proven lower bound computed before any strategy runs; ``deadline`` is the
    monotonic time by which the strategy must return (a safety net, not the normal way to stop).
    ``balance_hosts`` is off where the executor cannot choose the host inside a zone (Kubernetes:
    the kube-scheduler picks the node), so a move between two hosts of one zone would be a wasted
    eviction.
    """

    inventory: Inventory
    arrays: Arrays
    before: Snapshot
    bound: float
    max_moves: int | None
    time_limit: float
    progress: Progress | None = None
    started: float = field(default_factory=time.monotonic)
    balance_hosts: bool = True  # even out hosts inside each zone after the zone moves

    @property
    def deadline(self) -> float:
        """The monotonic time at which the strategy's time limit runs out."""
        return self.started + self.time_limit
