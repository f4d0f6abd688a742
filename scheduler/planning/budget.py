"""What a descent shares and reports: the work budget, its result, and how a placement is measured."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


class Budget:
    """Work shared by every search of one planning run, and the wall-clock safety net."""

    def __init__(self, work: int, deadline: float) -> None:
        self.work = work
        self.used = 0
        self.deadline = deadline
        self.timed_out = False

    def spend(self, n: int) -> None:
        self.used += int(n)

    def exhausted(self) -> bool:
        """True once the work is spent or (a safety net, reported) the wall clock ran out."""
        if self.used >= self.work:
            return True
        if time.monotonic() >= self.deadline:
            self.timed_out = True
        return self.timed_out


@dataclass(frozen=True)
class Search:
    """The moves found (workload index, destination host), in order."""

    moves: tuple[tuple[int, int], ...]
    imbalance: float
    stopped: str  # "converged", "max-moves", "work-budget", "time-limit"


def measure(u: np.ndarray, ubar: np.ndarray) -> tuple[float, float]:
    """(imbalance, squared distance from the mean) of a (Z, R) utilization with NaN holes."""
    if u.size == 0:
        return 0.0, 0.0
    spread = np.fmax.reduce(u, axis=0) - np.fmin.reduce(u, axis=0)
    dev = u - ubar
    dev *= dev
    holes = np.isnan(dev)
    if holes.any():
        spread = np.nan_to_num(spread, nan=0.0)
        dev[holes] = 0.0
    return float(spread.max()), float(dev.sum())
