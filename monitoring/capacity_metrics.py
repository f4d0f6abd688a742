"""The capacity forecast as metrics: ``govcloud serve --prometheus URL`` refreshes it in the background.

A forecast reads weeks of history, so it is refreshed on its own interval (``--forecast-interval``,
default 1h) by :class:`CapacityRefresher`, not on every loop iteration; the collector renders the
latest one per scrape (a few dozen series). A failed refresh keeps the last good forecast and counts
``govcloud_capacity_forecast_errors_total``. Amounts are in base units with a ``unit`` label, as the
other families (``scheduler/model/resource.py``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from monitoring.capacity import CapacityForecast, Outlook
from scheduler.model.resource import resource as resource_named

log = logging.getLogger(__name__)
BOUNDS = ("earliest", "expected", "latest")


class CapacityHolder:
    """The latest forecast (None before the first), its time and the count of failed refreshes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.forecast: CapacityForecast | None = None
        self.timestamp = 0.0
        self.errors = 0

    def set(self, forecast: CapacityForecast) -> None:
        with self._lock:
            self.forecast, self.timestamp = forecast, time.time()

    def failed(self) -> None:
        with self._lock:
            self.errors += 1

    def read(self) -> tuple[CapacityForecast | None, float, int]:
        with self._lock:
            return self.forecast, self.timestamp, self.errors


def _days(name: str, doc: str, label: str, outlooks: tuple[Outlook, ...]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=(label, "resource", "bound"))
    for o in outlooks:
        until = o.until
        for bound in BOUNDS:
            value = None if until is None else getattr(until, bound)
            if value is not None:
                family.add_metric((o.name, o.resource, bound), value)
    return family


def capacity_families(forecast: CapacityForecast, timestamp: float) -> Iterator[Metric]:
    """The forecast's families: days until full / quota, usage, trend, failover room, right-sizing."""
    yield _days(
        "govcloud_capacity_zone_days_until_full",
        "Days until the zone's usage reaches its physical capacity, by the prediction band's upper "
        "bound (earliest), the trend (expected) and the lower bound (latest); absent beyond ten years.",
        "zone",
        forecast.zones,
    )
    yield _days(
        "govcloud_capacity_tenant_days_until_quota",
        "Days until the tenant's usage reaches its quota summed over the zones (bounds as for zones).",
        "tenant",
        forecast.tenants,
    )
    usage = GaugeMetricFamily(
        "govcloud_capacity_zone_usage",
        "The zone's measured usage percentile over the window (spikes filtered), in `unit`.",
        labels=("zone", "resource", "unit"),
    )
    slope = GaugeMetricFamily(
        "govcloud_capacity_zone_usage_trend_per_day",
        "Growth of the zone's measured usage per day (least squares over the window), in `unit`.",
        labels=("zone", "resource", "unit"),
    )
    for o in forecast.zones:
        r = resource_named(o.resource)
        if o.percentile is not None:
            usage.add_metric((o.name, o.resource, r.unit), o.percentile * r.factor)
        if o.trend is not None:
            slope.add_metric((o.name, o.resource, r.unit), o.trend.slope * r.factor)
    yield usage
    yield slope
    spare = GaugeMetricFamily(
        "govcloud_capacity_failover_physical_spare",
        "If the zone failed: the other zones' physical capacity minus all measured usage, in `unit`.",
        labels=("zone", "resource", "unit"),
    )
    for zone, row in forecast.failover.items():
        for name, value in row.items():
            r = resource_named(name)
            spare.add_metric((zone, name, r.unit), value * r.factor)
    yield spare
    suggested = GaugeMetricFamily(
        "govcloud_capacity_right_size_suggested_quota",
        "A smaller quota for a tenant whose usage stayed far below its quota all window, in `unit`.",
        labels=("tenant", "resource", "unit"),
    )
    for s in forecast.right_sizing:
        r = resource_named(s.resource)
        suggested.add_metric((s.tenant, s.resource, r.unit), s.suggested * r.factor)
    yield suggested
    yield GaugeMetricFamily(
        "govcloud_capacity_forecast_timestamp_seconds", "When the forecast was made.", value=timestamp
    )


class CapacityCollector:
    """Yields the holder's latest forecast (nothing before the first) and the refresh error count."""

    def __init__(self, holder: CapacityHolder) -> None:
        self._holder = holder

    def collect(self) -> Iterator[Metric]:
        forecast, timestamp, errors = self._holder.read()
        yield CounterMetricFamily(
            "govcloud_capacity_forecast_errors", "Forecast refreshes that failed.", value=errors
        )
        if forecast is not None:
            yield from capacity_families(forecast, timestamp)


class CapacityRefresher:
    """Calls ``make`` now and every ``interval`` seconds in a daemon thread until ``stop`` is set.

    ``make`` returns None when it cannot start yet (no inventory refreshed so far): tried again in a second.
    """

    def __init__(self, make: Callable[[], CapacityForecast | None], holder: CapacityHolder, interval: float):
        self._make, self._holder, self._interval = make, holder, interval

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                made = self._make()
                if made is None:
                    stop.wait(1.0)
                    continue
                self._holder.set(made)
            except Exception as error:
                self._holder.failed()
                log.warning("capacity forecast failed: %s", error)
            stop.wait(self._interval)

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(stop,), name="capacity-forecast", daemon=True)
        thread.start()
        return thread
