"""The small interface the usage source talks through: a range query, and its HTTP implementation.

Only ``/api/v1/query_range`` is used. :class:`PrometheusAPI` is the port (tests may hand in their own);
:class:`HttpPrometheus` speaks to a real server with the standard library.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

import numpy as np

MAX_POINTS = 11_000
"""Prometheus refuses a range query with more points per series than this; longer ones are split."""


class PrometheusError(Exception):
    """The server cannot be reached, or refused or failed the query; says which and why."""


@dataclass(frozen=True)
class Series:
    """One series of a range query: its labels, sample times (Unix seconds) and values."""

    labels: dict[str, str]
    times: np.ndarray
    values: np.ndarray


class PrometheusAPI(Protocol):
    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        """Every series of ``expr`` evaluated from ``start`` to ``end`` every ``step`` seconds."""
        ...


class HttpPrometheus:
    """:class:`PrometheusAPI` over HTTP: ``base_url`` like ``http://127.0.0.1:9090``."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, params: dict[str, str]) -> object:
        url = f"{self.base_url}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:  # 400/422/503 carry a JSON error body
            try:
                body = json.load(error)
            except (ValueError, OSError):
                raise PrometheusError(f"{self.base_url}: HTTP {error.code} for {path}") from error
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise PrometheusError(f"cannot query Prometheus at {self.base_url}: {error}") from error
        if not isinstance(body, dict) or body.get("status") != "success":
            detail = body.get("error", body) if isinstance(body, dict) else body
            raise PrometheusError(f"Prometheus at {self.base_url} refused {params.get('query')!r}: {detail}")
        return body["data"]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        merged: dict[tuple, tuple[dict[str, str], list[np.ndarray], list[np.ndarray]]] = {}
        chunk = step * (MAX_POINTS - 1)
        lo = start
        while lo <= end:
            hi = min(end, lo + chunk)
            data = self._get(
                "query_range", {"query": expr, "start": f"{lo:.3f}", "end": f"{hi:.3f}", "step": f"{step:g}"}
            )
            if not isinstance(data, dict) or data.get("resultType") != "matrix":
                raise PrometheusError(f"{expr!r} is not a range vector expression")
            for result in data["result"]:
                labels = dict(result["metric"])
                points = np.array(result["values"], dtype=float).reshape(-1, 2)
                key = tuple(sorted(labels.items()))
                entry = merged.setdefault(key, (labels, [], []))
                entry[1].append(points[:, 0])
                entry[2].append(points[:, 1])
            lo = hi + step
        return [Series(labels, np.concatenate(ts), np.concatenate(vs)) for labels, ts, vs in merged.values()]
