"""Usage history: every workload's and host's measured usage on one time grid (filled by a source).

Pure data (numpy arrays); :mod:`scheduler.adapters.prometheus.usage` reads it from Prometheus, the
planners and the capacity forecast consume it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler.model.usage_stats import usage_percentile

Samples = dict[str, dict[str, np.ndarray]]
"""name -> resource -> values on the history's time grid (NaN where no sample)."""


@dataclass(frozen=True)
class UsageHistory:
    """Usage of every workload and host on one time grid ``times`` (Unix seconds, every ``step``)."""

    times: np.ndarray
    step: float
    workloads: Samples
    hosts: Samples

    def percentiles(
        self, of: str = "workloads", q: float = 95.0, min_run: int = 1
    ) -> dict[str, dict[str, float]]:
        """name -> resource -> the ``q``-th percentile, spikes shorter than ``min_run`` samples ignored."""
        samples = self.workloads if of == "workloads" else self.hosts
        out: dict[str, dict[str, float]] = {}
        for name, row in samples.items():
            values = {r: usage_percentile(v, q, min_run) for r, v in row.items()}
            out[name] = {r: v for r, v in values.items() if v is not None}
        return out
