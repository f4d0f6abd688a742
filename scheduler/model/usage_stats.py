"""Measured usage as one number: a percentile over a window after short spikes are filtered out.

Pure numpy, no I/O: the Prometheus adapter hands in the samples, the planners and the forecast read
the result. A spike is a run of high samples; :func:`despike` removes every run shorter than
``min_run`` samples (a morphological opening: a rolling minimum, then a rolling maximum, both
``min_run`` wide), so a peak counts only when it lasted at least ``min_run`` consecutive samples.
"""

from __future__ import annotations

import numpy as np


def _rolling(values: np.ndarray, width: int, reduce: np.ufunc, *, forward: bool) -> np.ndarray:
    """Rolling ``reduce`` (np.minimum / np.maximum) over ``width`` samples; edges use what exists."""
    n = values.size
    out = values.copy()
    for shift in range(1, width):
        if shift >= n:
            break
        if forward:  # out[i] = reduce(values[i : i + width])
            out[: n - shift] = reduce(out[: n - shift], values[shift:])
        else:  # out[i] = reduce(values[i - width + 1 : i + 1])
            out[shift:] = reduce(out[shift:], values[: n - shift])
    return out


def despike(values: np.ndarray, min_run: int) -> np.ndarray:
    """``values`` with every upward spike shorter than ``min_run`` samples cut down to its surroundings.

    NaN samples (gaps) are ignored by the filter and stay NaN. ``min_run`` <= 1 keeps every sample.
    """
    values = np.asarray(values, dtype=float)
    if min_run <= 1 or values.size == 0:
        return values.copy()
    gaps = np.isnan(values)
    filled = np.where(gaps, np.inf, values)  # a gap never shortens a run
    # past the last sample nothing is known: a run cut off by the end must be long enough by itself
    padded = np.concatenate([filled, np.full(min_run - 1, -np.inf)])
    opened = _rolling(padded, min_run, np.minimum, forward=True)  # min over [i, i + k)
    opened = _rolling(opened, min_run, np.maximum, forward=False)[: values.size]  # max over (i - k, i]
    opened = np.minimum(opened, filled)
    opened[gaps] = np.nan
    opened[np.isinf(opened)] = np.nan
    return opened


def usage_percentile(values: np.ndarray, q: float = 95.0, min_run: int = 1) -> float | None:
    """The ``q``-th percentile of ``values`` after :func:`despike`; None when there is no sample."""
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    cleaned = despike(values, min_run)
    cleaned = cleaned[~np.isnan(cleaned)]
    if cleaned.size == 0:
        return None
    return float(np.percentile(cleaned, q))
