"""Capacity planning on measured usage: per zone and per tenant, a trend, when it runs full, and quotas
that are far larger than what a tenant has ever used (right-sizing).

Input: the inventory (which host is in which zone, physical capacity, tenants' quotas and requests)
and a :class:`~scheduler.adapters.prometheus.usage.UsageHistory`. A zone's usage is the sum of its
hosts' (node-exporter: everything running there), a tenant's the sum of its workloads'. Every series
is despiked first (runs shorter than ``min_run`` samples do not count), then fitted by
:func:`scheduler.model.forecast.fit_trend`. Zones run full at their physical capacity (capacity /
allocation ratio); tenants reach their quota summed over the zones (a resource left unlimited in any
zone has no quota to reach). The document written by :meth:`CapacityForecast.to_json` is the
``forecast`` contract of docs/contracts.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scheduler.model.forecast import DaysUntil, Trend, fit_trend
from scheduler.model.inventory import Inventory
from scheduler.model.usage_history import UsageHistory
from scheduler.model.usage_stats import despike

FORECAST_VERSION = 1


@dataclass(frozen=True)
class Outlook:
    """One series (a zone's or a tenant's usage of one resource) against its limit."""

    name: str
    resource: str
    limit: float | None
    times: np.ndarray
    usage: np.ndarray  # despiked
    trend: Trend | None
    peak: float | None
    percentile: float | None

    @property
    def now(self) -> float | None:
        """The trend at the last sample."""
        return None if self.trend is None else float(self.trend.value(self.trend.last_day))

    @property
    def until(self) -> DaysUntil | None:
        if self.trend is None or self.limit is None:
            return None
        return self.trend.days_until(self.limit)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"resource": self.resource, "limit": self.limit}
        out["peak"] = None if self.peak is None else round(self.peak, 4)
        out["percentile"] = None if self.percentile is None else round(self.percentile, 4)
        if self.trend is not None:
            lower, upper = self.trend.band(self.trend.last_day)
            out["trend"] = {
                "now": round(float(self.now or 0.0), 4),
                "per_day": round(self.trend.slope, 6),
                "band_now": [round(float(lower), 4), round(float(upper), 4)],
                "residual_sd": round(self.trend.residual_sd, 6),
                "level": self.trend.level,
            }
        until = self.until
        out["days_until_limit"] = None if until is None else until.to_json()
        return out


@dataclass(frozen=True)
class RightSizing:
    """A tenant whose usage of ``resource`` stayed below ``threshold`` of its quota for the whole window."""

    tenant: str
    resource: str
    quota: float
    peak: float
    requested: float
    suggested: float

    def to_json(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "resource": self.resource,
            "quota": self.quota,
            "peak_usage": round(self.peak, 4),
            "peak_ratio": round(self.peak / self.quota, 4),
            "requested": self.requested,
            "suggested_quota": self.suggested,
        }


@dataclass(frozen=True)
class CapacityForecast:
    start: float
    end: float
    zones: tuple[Outlook, ...]
    tenants: tuple[Outlook, ...]
    failover: dict[str, dict[str, float]]  # zone -> resource -> spare physical room if it failed
    right_sizing: tuple[RightSizing, ...]
    settings: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        def grouped(outlooks: tuple[Outlook, ...]) -> dict[str, list[dict[str, Any]]]:
            out: dict[str, list[dict[str, Any]]] = {}
            for o in outlooks:
                out.setdefault(o.name, []).append(o.to_json())
            return out

        return {
            "version": FORECAST_VERSION,
            "window": {"start": self.start, "end": self.end},
            "settings": self.settings,
            "zones": grouped(self.zones),
            "failover": {z: {r: round(v, 4) for r, v in row.items()} for z, row in self.failover.items()},
            "tenants": grouped(self.tenants),
            "right_sizing": [r.to_json() for r in self.right_sizing],
        }


def _total(series: list[np.ndarray], size: int) -> np.ndarray:
    if not series:
        return np.full(size, np.nan)
    stacked = np.vstack(series)
    total = np.nansum(stacked, axis=0)
    total[np.all(np.isnan(stacked), axis=0)] = np.nan
    return total


def _outlook(
    name: str, resource: str, limit: float | None, times: np.ndarray, raw: np.ndarray, args: dict
) -> Outlook:
    usage = despike(raw, args["min_run"])
    seen = usage[~np.isnan(usage)]
    peak = float(seen.max()) if seen.size else None
    pct = float(np.percentile(seen, args["percentile"])) if seen.size else None
    return Outlook(name, resource, limit, times, usage, fit_trend(times, usage, args["level"]), peak, pct)


def forecast(
    inv: Inventory,
    history: UsageHistory,
    *,
    percentile: float = 95.0,
    min_run: int = 4,
    level: float = 0.95,
    right_size_below: float = 0.5,
    right_size_target: float = 0.8,
) -> CapacityForecast:
    """Zones and tenants of ``inv`` forecast from ``history``; right-sizing for under-using tenants."""
    args = {"percentile": percentile, "min_run": min_run, "level": level}
    times, size = history.times, history.times.size
    resources = inv.resources
    zones: list[Outlook] = []
    for zone in inv.zones:
        for r in resources:
            physical = sum(h.physical(r) for h in zone.hosts)
            series = [history.hosts[h.name][r] for h in zone.hosts if r in history.hosts.get(h.name, {})]
            if physical > 0 and series:
                zones.append(_outlook(zone.name, r, physical, times, _total(series, size), args))
    failover: dict[str, dict[str, float]] = {}
    for o in zones:
        others = [x for x in zones if x.resource == o.resource and x.name != o.name]
        if o.percentile is None or any(x.percentile is None or x.limit is None for x in others):
            continue
        spare = sum((x.limit or 0.0) - (x.percentile or 0.0) for x in others)
        failover.setdefault(o.name, {})[o.resource] = spare - o.percentile

    tenants: list[Outlook] = []
    right: list[RightSizing] = []
    for tenant in inv.tenants:
        mine = [w for w in inv.workloads if w.tenant == tenant.name]
        for r in resources:
            caps = [tenant.cap(z.name, r) for z in inv.zones]
            quota = None if any(c is None for c in caps) else float(sum(c for c in caps if c is not None))
            series = [history.workloads[w.name][r] for w in mine if r in history.workloads.get(w.name, {})]
            if not series:
                continue
            o = _outlook(tenant.name, r, quota, times, _total(series, size), args)
            tenants.append(o)
            if quota and o.peak is not None and o.peak < right_size_below * quota:
                requested = float(sum(w.request(r) for w in mine))
                suggested = float(max(requested, math.ceil(o.peak / right_size_target)))
                if suggested < quota:
                    right.append(RightSizing(tenant.name, r, quota, o.peak, requested, suggested))
    settings = {
        "percentile": percentile,
        "min_run": min_run,
        "level": level,
        "step_seconds": history.step,
        "right_size_below": right_size_below,
        "right_size_target": right_size_target,
    }
    return CapacityForecast(
        float(times[0]), float(times[-1]), tuple(zones), tuple(tenants), failover, tuple(right), settings
    )
