"""The /metrics body: the latest observation rendered once, then the loop's live metrics per scrape.

prometheus-client renders about 10-20 µs per sample; a cloud of 200 tenants x 6 zones x 8 resources has
~20k samples, far more than a scrape budget of 50 ms. The observation only changes when the loop
refreshes, so its families (built fresh by the same collectors) are rendered once per observation and
reused until the next one replaces them: series that are gone still vanish at the next refresh. Only
the small live registry (build info, counters, histogram) is rendered on each scrape.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric

from monitoring.observation import Observation, ObservationHolder
from monitoring.plan_metrics import plan_families
from monitoring.tenant_metrics import tenant_families
from monitoring.zone_metrics import zone_families


def observation_families(observation: Observation) -> Iterator[Metric]:
    """Fresh zone, tenant and (when planning worked) plan families of ``observation``."""
    yield from zone_families(observation.zones)
    yield from tenant_families(observation.tenants)
    if observation.plan is not None:
        yield from plan_families(observation.plan)


class _Fixed:
    def __init__(self, observation: Observation) -> None:
        self._observation = observation

    def collect(self) -> Iterator[Metric]:
        return observation_families(self._observation)


@dataclass(frozen=True)
class Rendered:
    """One observation in the text format, plain and gzip-compressed."""

    observation: Observation | None
    text: bytes
    gzipped: bytes


def render(observation: Observation | None) -> Rendered:
    """Render ``observation`` (nothing when None) with prometheus-client's text exposition."""
    if observation is None:
        return Rendered(None, b"", b"")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(observation))
    text = generate_latest(registry)
    return Rendered(observation, text, gzip.compress(text, compresslevel=1))


class MetricsBody:
    """Builds /metrics bodies from a holder (rendered once per observation) and a live registry."""

    def __init__(self, holder: ObservationHolder, live: CollectorRegistry) -> None:
        self._holder = holder
        self._live = live
        self._lock = threading.Lock()
        self._rendered = render(None)

    def prerender(self, observation: Observation) -> None:
        """Render ``observation`` now (subscribe this to the holder so scrapes never pay for it)."""
        with self._lock:
            if self._rendered.observation is not observation:
                self._rendered = render(observation)

    def snapshot(self) -> Rendered:
        """The rendering of the holder's current observation, made on first use."""
        observation = self._holder.current
        with self._lock:
            if self._rendered.observation is not observation:
                self._rendered = render(observation)
            return self._rendered

    def text(self) -> bytes:
        return self.snapshot().text + generate_latest(self._live)

    def gzipped(self) -> bytes:
        # Concatenated gzip members form one valid gzip stream (RFC 1952 section 2.2).
        return self.snapshot().gzipped + gzip.compress(generate_latest(self._live), compresslevel=1)
