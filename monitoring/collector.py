"""The snapshot collector and the registry the exporter serves."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric

from monitoring.build_info import BuildInfoCollector
from monitoring.observation import ObservationHolder
from monitoring.plan_metrics import plan_families
from monitoring.run_metrics import RunMetrics
from monitoring.tenant_metrics import tenant_families
from monitoring.zone_metrics import zone_families


class ObservationCollector:
    """Yields fresh zone, tenant and plan families from the holder's current observation each scrape.

    Nothing is exported before the first good refresh; a family of a plan that failed is absent.
    """

    def __init__(self, holder: ObservationHolder) -> None:
        self._holder = holder

    def collect(self) -> Iterator[Metric]:
        observation = self._holder.current
        if observation is None:
            return
        yield from zone_families(observation.zones)
        yield from tenant_families(observation.tenants)
        if observation.plan is not None:
            yield from plan_families(observation.plan)


def build_registry(holder: ObservationHolder, version: str) -> tuple[CollectorRegistry, RunMetrics]:
    """A fresh registry with the snapshot collector, build info and the loop's own metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ObservationCollector(holder))
    registry.register(BuildInfoCollector(version))
    return registry, RunMetrics(registry)
