"""The snapshot collector and the registries the exporter serves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric

from monitoring.build_info import BuildInfoCollector
from monitoring.exposition import MetricsBody, observation_families
from monitoring.loop_metrics import LoopMetrics
from monitoring.observation import ObservationHolder
from monitoring.run_metrics import RunMetrics


class ObservationCollector:
    """Yields fresh zone, tenant and plan families from the holder's current observation each collect.

    Nothing is exported before the first good refresh; the plan families are absent when planning failed.
    """

    def __init__(self, holder: ObservationHolder) -> None:
        self._holder = holder

    def collect(self) -> Iterator[Metric]:
        observation = self._holder.current
        if observation is not None:
            yield from observation_families(observation)


@dataclass(frozen=True)
class Exporter:
    """Everything the exporter shows.

    ``registry`` holds all collectors (for one-off snapshots and tests); ``live`` only build info and the
    loop's metrics, which ``body`` renders per scrape after the cached observation. ``observer`` is
    what the rebalancer loop reports to.
    """

    holder: ObservationHolder
    registry: CollectorRegistry
    live: CollectorRegistry
    metrics: RunMetrics
    body: MetricsBody
    observer: LoopMetrics


def build_exporter(version: str) -> Exporter:
    """Fresh registries (never the global one) with the snapshot collector, build info and loop metrics."""
    holder = ObservationHolder()
    live = CollectorRegistry(auto_describe=False)
    live.register(BuildInfoCollector(version))
    metrics = RunMetrics(live)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ObservationCollector(holder))
    registry.register(live)
    body = MetricsBody(live)
    holder.subscribe(body.prerender)
    return Exporter(holder, registry, live, metrics, body, LoopMetrics(holder, metrics))
