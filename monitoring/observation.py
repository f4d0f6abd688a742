"""What the exporter shows: figures from the last good inventory refresh and plan, swapped atomically."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from monitoring.plan_metrics import PlanFigures, plan_figures
from monitoring.tenant_metrics import TenantFigures, tenant_figures
from monitoring.zone_metrics import ZoneFigures, zone_figures
from scheduler.model.inventory import Inventory
from scheduler.model.plan import Plan


@dataclass(frozen=True)
class Observation:
    """Figures of one inventory and (when planning worked) its plan."""

    zones: ZoneFigures
    tenants: TenantFigures
    plan: PlanFigures | None
    inventory: Inventory | None = None  # what was measured (the capacity forecast reads its topology)

    @classmethod
    def of(cls, inv: Inventory, plan: Plan | None, now: float) -> Observation:
        """Measure ``inv`` and summarise ``plan`` (made at ``now``)."""
        figures = None if plan is None else plan_figures(plan, now)
        return cls(zone_figures(inv), tenant_figures(inv), figures, inv)


class ObservationHolder:
    """The latest observation; written by the loop, read by scrapes on other threads.

    Listeners are called (on the publishing thread) after each publish, e.g. to render it ahead of scrapes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: Observation | None = None
        self._listeners: list[Callable[[Observation], None]] = []

    def subscribe(self, listener: Callable[[Observation], None]) -> None:
        self._listeners.append(listener)

    @property
    def current(self) -> Observation | None:
        with self._lock:
            return self._current

    def publish(self, observation: Observation) -> None:
        with self._lock:
            self._current = observation
        for listener in self._listeners:
            listener(observation)
