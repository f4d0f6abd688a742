"""Measured usage of workloads and hosts, read from Prometheus over a window.

Each resource has one PromQL expression for workloads and one for hosts. A workload expression must
return one series per workload with a ``workload`` label holding the inventory's workload name, a host
expression one series per host with a ``host`` label; values are in the inventory's unit of the
resource (cores for ``cpu``, GiB for ``memory_gib``). ``$window`` in an expression is replaced by the
rate window (``--rate-window``, default 5m: at least twice the scrape interval).

Shipped profiles (:data:`PROFILES`): ``cadvisor`` (Kubernetes pods, ``namespace/pod``), ``libvirt``
(VMs by libvirt domain name, as the prometheus-libvirt-exporter names them); hosts always come from
node-exporter (``instance`` without its port). Other exporters: a YAML file of the same shape
(``--usage-queries FILE``: ``{workloads: {cpu: EXPR, ...}, hosts: {cpu: EXPR, ...}}``).

The samples of every series are laid on one time grid (``start + k·step``); a missing sample is NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from scheduler.adapters.prometheus.api import PrometheusAPI
from scheduler.model.usage_history import Samples, UsageHistory

GIB = "1073741824"
_HOST = 'label_replace({expr}, "host", "$1", "instance", "([^:]+)(:[0-9]+)?")'
NODE_EXPORTER_HOSTS = {
    "cpu": "sum by (host) (" + _HOST.format(expr='rate(node_cpu_seconds_total{mode!="idle"}[$window])') + ")",
    "memory_gib": "sum by (host) ("
    + _HOST.format(expr="node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes")
    + f") / {GIB}",
}
_POD = 'label_join({expr}, "workload", "/", "namespace", "pod")'
_DOMAIN = 'label_replace({expr}, "workload", "$1", "domain", "(.+)")'


@dataclass(frozen=True)
class UsageQueries:
    """resource -> PromQL, for workloads (``workload`` label) and for hosts (``host`` label)."""

    workloads: Mapping[str, str]
    hosts: Mapping[str, str]


PROFILES: dict[str, UsageQueries] = {
    "cadvisor": UsageQueries(
        workloads={
            "cpu": "sum by (workload) ("
            + _POD.format(expr='rate(container_cpu_usage_seconds_total{container!="",pod!=""}[$window])')
            + ")",
            "memory_gib": "sum by (workload) ("
            + _POD.format(expr='container_memory_working_set_bytes{container!="",pod!=""}')
            + f") / {GIB}",
        },
        hosts=NODE_EXPORTER_HOSTS,
    ),
    "libvirt": UsageQueries(
        workloads={
            "cpu": "sum by (workload) ("
            + _DOMAIN.format(expr="rate(libvirt_domain_info_cpu_time_seconds_total[$window])")
            + ")",
            "memory_gib": "sum by (workload) ("
            + _DOMAIN.format(expr="libvirt_domain_info_memory_usage_bytes")
            + f") / {GIB}",
        },
        hosts=NODE_EXPORTER_HOSTS,
    ),
}
DEFAULT_PROFILE = "cadvisor"


def load_queries(path: str | Path) -> UsageQueries:
    """Queries from a YAML file ``{workloads: {resource: EXPR}, hosts: {resource: EXPR}}``; ValueError if malformed."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not set(data) <= {"workloads", "hosts"}:
        raise ValueError(f"{path}: expected a mapping with the keys 'workloads' and/or 'hosts'")
    parts = {}
    for kind in ("workloads", "hosts"):
        section = data.get(kind) or {}
        if not isinstance(section, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in section.items()
        ):
            raise ValueError(f"{path}: {kind}: expected resource names mapped to PromQL expressions")
        parts[kind] = section
    return UsageQueries(parts["workloads"], parts["hosts"])


class PrometheusUsageSource:
    """Reads :class:`UsageHistory` through a :class:`PrometheusAPI`."""

    def __init__(self, api: PrometheusAPI, queries: UsageQueries | None = None, rate_window: str = "5m"):
        self.api = api
        self.queries = queries or PROFILES[DEFAULT_PROFILE]
        self.rate_window = rate_window

    def _read(self, exprs: Mapping[str, str], label: str, grid: np.ndarray, step: float) -> Samples:
        out: Samples = {}
        for resource, expr in exprs.items():
            query = expr.replace("$window", self.rate_window)
            for series in self.api.query_range(query, float(grid[0]), float(grid[-1]), step):
                name = series.labels.get(label)
                if not name:
                    continue
                values = np.full(grid.size, np.nan)
                index = np.rint((series.times - grid[0]) / step).astype(np.int64)
                ok = (index >= 0) & (index < grid.size)
                values[index[ok]] = series.values[ok]
                row = out.setdefault(name, {})
                if resource in row:  # two series for one name: they add up (e.g. containers of a pod)
                    values = np.where(np.isnan(row[resource]), values, np.nan_to_num(values) + row[resource])
                row[resource] = values
        return out

    def history(self, start: float, end: float, step: float) -> UsageHistory:
        """Every workload's and host's usage from ``start`` to ``end`` (Unix seconds) every ``step`` seconds."""
        if not step > 0 or end <= start:
            raise ValueError("need start < end and step > 0")
        grid = start + step * np.arange(int((end - start) // step) + 1)
        return UsageHistory(
            times=grid,
            step=step,
            workloads=self._read(self.queries.workloads, "workload", grid, step),
            hosts=self._read(self.queries.hosts, "host", grid, step),
        )
