"""A linear trend over usage history, with a prediction band, and when it reaches a limit.

Pure numpy: ordinary least squares of usage on time (in days), and the prediction interval of a new
observation, ``ŷ(t) ± z · s · sqrt(1 + 1/n + (t - t̄)² / Sxx)``. With hundreds of samples the
Student t quantile equals the normal one to three digits, so ``z`` is the normal quantile of ``level``.
A weekly cycle stays in the residuals: it widens the band, which is what a planner should see.

"Days until" a limit is read off the band: ``earliest`` when the upper bound reaches the limit,
``expected`` when the trend does, ``latest`` when the lower bound does (None: not within the horizon,
e.g. a flat or falling trend). Times are days from the last sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

HORIZON_DAYS = 3650.0
"""Looking further than ten years ahead says nothing: beyond it, "days until" is None."""


@dataclass(frozen=True)
class Trend:
    """``value(t) = intercept + slope · t`` (t in days since ``origin``, a Unix time in seconds)."""

    origin: float
    intercept: float
    slope: float  # per day
    residual_sd: float
    n: int
    t_mean: float
    sxx: float
    last_day: float  # the last sample, in days since origin
    level: float = 0.95

    @property
    def z(self) -> float:
        return NormalDist().inv_cdf(0.5 + self.level / 2)

    def value(self, days: np.ndarray | float) -> np.ndarray | float:
        """The trend at ``days`` since the origin."""
        return self.intercept + self.slope * np.asarray(days, dtype=float)

    def half_width(self, days: np.ndarray | float) -> np.ndarray | float:
        """Half the prediction band at ``days`` since the origin."""
        d = np.asarray(days, dtype=float)
        spread = 1.0 + 1.0 / self.n + (d - self.t_mean) ** 2 / self.sxx
        return self.z * self.residual_sd * np.sqrt(spread)

    def band(self, days: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) prediction bounds at ``days`` since the origin."""
        mid, half = self.value(days), self.half_width(days)
        return mid - half, mid + half

    def days_until(self, limit: float, horizon: float = HORIZON_DAYS) -> DaysUntil:
        """When the band and the trend reach ``limit``, in days after the last sample."""
        ahead = np.linspace(0.0, horizon, int(horizon * 4) + 1)  # every 6 hours
        days = self.last_day + ahead
        lower, upper = self.band(days)
        mid = self.value(days)

        def first(series: np.ndarray) -> float | None:
            hits = np.flatnonzero(series >= limit)
            return None if hits.size == 0 else float(ahead[hits[0]])

        return DaysUntil(first(upper), first(mid), first(lower))


@dataclass(frozen=True)
class DaysUntil:
    """Days after the last sample until a limit is reached: by the upper bound, the trend, the lower bound."""

    earliest: float | None
    expected: float | None
    latest: float | None

    def to_json(self) -> dict[str, float | None]:
        return {
            key: None if value is None else round(value, 2)
            for key, value in (
                ("earliest", self.earliest),
                ("expected", self.expected),
                ("latest", self.latest),
            )
        }


def fit_trend(times: np.ndarray, values: np.ndarray, level: float = 0.95) -> Trend | None:
    """Least squares of ``values`` on ``times`` (Unix seconds); NaN samples skipped; None below 3 samples."""
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    keep = ~np.isnan(values)
    if keep.sum() < 3:
        return None
    origin = float(times[keep][0])
    days = (times[keep] - origin) / 86400.0
    y = values[keep]
    t_mean = float(days.mean())
    sxx = float(((days - t_mean) ** 2).sum())
    if sxx <= 0:
        return None
    slope = float(((days - t_mean) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * t_mean)
    residuals = y - (intercept + slope * days)
    sd = float(np.sqrt((residuals**2).sum() / (y.size - 2)))
    return Trend(origin, intercept, slope, sd, int(y.size), t_mean, sxx, float(days[-1]), level)
