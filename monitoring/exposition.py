"""The /metrics body: the latest observation rendered once, then the loop's live metrics per scrape.

prometheus-client renders about 10-20 µs per sample; a cloud of 200 tenants x 6 zones x 8 resources has
~20k samples, far more than a scrape budget of 50 ms. The observation only changes when the loop
refreshes, so its families (built fresh by the same collectors) are rendered once per observation and
reused until the next one replaces them: series that are gone still vanish at the next refresh. Only
the small live registry (build info, counters, histogram) is rendered on each scrape.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric

from monitoring.observation import Observation
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


LIVE_MAX_AGE = 1.0
"""Seconds a rendering of the live registry may be reused by the HTTP endpoint (scrapes in a burst)."""


class MetricsBody:
    """Builds /metrics bodies: the last observation rendered when it was published, then the live registry.

    Subscribe :meth:`prerender` to the observation holder: rendering happens on the publishing (loop)
    thread, and a scrape only swaps in the finished rendering, never waits for one. The live registry
    is rendered per call, or reused for up to ``max_age`` seconds: the endpoint passes
    :data:`LIVE_MAX_AGE`, so 20 scrapers arriving together share one rendering (half a scrape's CPU).
    """

    def __init__(self, live: CollectorRegistry) -> None:
        self._live = live
        self._rendered = render(None)
        self._live_rendered: tuple[float, bytes, bytes] = (float("-inf"), b"", b"")
        self.ready = False  # True once an observation was published (the /readyz answer)

    def prerender(self, observation: Observation) -> None:
        """Render ``observation`` and serve it from now on."""
        self._rendered = render(observation)  # one reference swap: readers see the old or the new one
        self._live_rendered = (float("-inf"), b"", b"")  # the loop's counters moved with it: render anew
        self.ready = True

    def text(self, max_age: float = 0.0) -> bytes:
        return self._rendered.text + self._live_part(max_age)[0]

    def gzipped(self, max_age: float = 0.0) -> bytes:
        # Concatenated gzip members form one valid gzip stream (RFC 1952 section 2.2).
        return self._rendered.gzipped + self._live_part(max_age)[1]

    def _live_part(self, max_age: float) -> tuple[bytes, bytes]:
        at, text, zipped = self._live_rendered
        now = time.monotonic()
        if now - at >= max_age:
            text = generate_latest(self._live)
            zipped = gzip.compress(text, compresslevel=1)
            self._live_rendered = (now, text, zipped)  # one reference swap, as for the observation
        return text, zipped
