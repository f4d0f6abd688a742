"""A synthetic cloud with 30 days of known usage: a linear trend, a weekly cycle and a few short spikes.

Three zones of two hosts (16 physical cores, 128 GiB each; cpu overcommitted 4x), four tenants with
three workloads each. Every workload requests 8 vCPU and 16 GiB, four per zone: the zones are evenly
loaded by requests. Usage is not: the workloads in az1 are hot and growing, those in az3 cold.
health and police use more than half of their cpu quota; edu and transport stay far below theirs
(the right-sizing candidates) except for simultaneous one-hour spikes of transport that a percentile
without the spike filter would count. Memory usage is twice the cpu usage, in GiB.

Written as cAdvisor (``container_cpu_usage_seconds_total``, ``container_memory_working_set_bytes``) and
node-exporter (``node_cpu_seconds_total``, ``node_memory_Mem{Total,Available}_bytes``) series in
OpenMetrics text, one sample every 5 minutes, for ``promtool tsdb create-blocks-from openmetrics``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scheduler.model.inventory import Host, Inventory, InventoryTenant, InventoryZone, Workload

DAY = 86400.0
DAYS = 30
SCRAPE = 300.0  # seconds between samples
GIB = float(2**30)
ZONES = ("az1", "az2", "az3")
HOST_CPU, HOST_MEMORY, CPU_RATIO = 16.0, 128.0, 4.0
OVERHEAD_CPU, OVERHEAD_MEMORY = 0.5, 1.0  # per host, on top of its workloads (hypervisor, agents)


@dataclass(frozen=True)
class Profile:
    """cpu usage in cores: ``base + slope · day + amp · sin(2π day / 7)`` (+ spikes)."""

    base: float
    slope: float
    amp: float


HOT, MEDIUM, COLD = Profile(5.0, 0.08, 0.5), Profile(2.0, 0.02, 0.3), Profile(0.5, 0.0, 0.1)
# workload -> (zone, host, profile)
PLACEMENT: dict[str, tuple[str, str, Profile]] = {
    "health/his-0": ("az1", "az1-h1", HOT),
    "police/db-0": ("az1", "az1-h1", HOT),
    "health/his-1": ("az1", "az1-h2", HOT),
    "police/db-1": ("az1", "az1-h2", HOT),
    "health/his-2": ("az2", "az2-h1", MEDIUM),
    "police/db-2": ("az2", "az2-h1", MEDIUM),
    "edu/portal-0": ("az2", "az2-h2", MEDIUM),
    "transport/traffic-0": ("az2", "az2-h2", MEDIUM),
    "edu/portal-1": ("az3", "az3-h1", COLD),
    "transport/traffic-1": ("az3", "az3-h1", COLD),
    "edu/portal-2": ("az3", "az3-h2", COLD),
    "transport/traffic-2": ("az3", "az3-h2", COLD),
}
# tenant -> zone -> cpu quota (memory quota is twice that, in GiB)
QUOTA_CPU = {
    "health": {"az1": 16, "az2": 8, "az3": 8},
    "police": {"az1": 16, "az2": 8, "az3": 8},
    "edu": {"az1": 8, "az2": 8, "az3": 16},
    "transport": {"az1": 8, "az2": 8, "az3": 16},
}
UNDER_USING = frozenset({"edu", "transport"})
# (workload, start day, hours, extra cores): short spikes; transport's come together
SPIKES = (
    ("transport/traffic-1", 9.25, 1.0, 7.0),
    ("transport/traffic-2", 9.25, 1.0, 7.0),
    ("transport/traffic-1", 21.5, 1.0, 7.0),
    ("transport/traffic-2", 21.5, 1.0, 7.0),
    ("edu/portal-2", 15.1, 1.0, 6.0),
)


def inventory() -> Inventory:
    """The synthetic cloud's inventory (requests balanced over the zones)."""
    zones = tuple(
        InventoryZone(
            zone,
            "synthetic",
            tuple(
                Host(
                    f"{zone}-h{i}",
                    zone,
                    {"cpu": HOST_CPU * CPU_RATIO, "memory_gib": HOST_MEMORY},
                    allocation_ratio={"cpu": CPU_RATIO},
                )
                for i in (1, 2)
            ),
        )
        for zone in ZONES
    )
    tenants = tuple(
        InventoryTenant(t, {z: {"cpu": c, "memory_gib": 2 * c} for z, c in caps.items()})
        for t, caps in QUOTA_CPU.items()
    )
    workloads = tuple(
        Workload(name, name.split("/")[0], host, {"cpu": 8, "memory_gib": 16})
        for name, (_, host, _) in PLACEMENT.items()
    )
    return Inventory(zones, tenants, workloads)


def smooth_cpu(workload: str, days: np.ndarray) -> np.ndarray:
    """The workload's cpu usage without spikes at ``days`` since the start."""
    p = PLACEMENT[workload][2]
    return p.base + p.slope * days + p.amp * np.sin(2 * math.pi * days / 7)


def cpu(workload: str, days: np.ndarray) -> np.ndarray:
    """The workload's cpu usage with its spikes."""
    out = smooth_cpu(workload, days)
    for name, start, hours, extra in SPIKES:
        if name == workload:
            out = out + np.where((days >= start) & (days < start + hours / 24), extra, 0.0)
    return out


def host_cpu(host: str, days: np.ndarray, *, spikes: bool = True) -> np.ndarray:
    usage = cpu if spikes else smooth_cpu
    return OVERHEAD_CPU + sum(usage(w, days) for w, (_, h, _) in PLACEMENT.items() if h == host)


def zone_cpu_trend(zone: str) -> tuple[float, float]:
    """(usage at day 0, growth per day) of the zone's cpu, the known truth behind the samples."""
    mine = [p for z, _, p in PLACEMENT.values() if z == zone]
    return 2 * OVERHEAD_CPU + sum(p.base for p in mine), sum(p.slope for p in mine)


def _lines(name: str, labels: str, times: np.ndarray, values: np.ndarray) -> str:
    prefix = f"{name}{{{labels}}} "
    return "".join(f"{prefix}{v:.6f} {t:.0f}\n" for t, v in zip(times, values, strict=True))


def write_openmetrics(path: Path, end: float) -> float:
    """Write 30 days ending at ``end`` (Unix seconds) to ``path``; returns the start time."""
    start = end - DAYS * DAY
    times = np.arange(start, end + 1, SCRAPE)
    days = (times - start) / DAY
    hosts = sorted({h for _, h, _ in PLACEMENT.values()})
    with path.open("w", encoding="utf-8") as out:
        out.write("# TYPE container_cpu_usage_seconds counter\n")
        for w in PLACEMENT:
            ns, pod = w.split("/")
            total = np.cumsum(cpu(w, days) * SCRAPE)
            out.write(
                _lines(
                    "container_cpu_usage_seconds_total",
                    f'namespace="{ns}",pod="{pod}",container="app"',
                    times,
                    total,
                )
            )
        out.write("# TYPE container_memory_working_set_bytes gauge\n")
        for w in PLACEMENT:
            ns, pod = w.split("/")
            out.write(
                _lines(
                    "container_memory_working_set_bytes",
                    f'namespace="{ns}",pod="{pod}",container="app"',
                    times,
                    2 * cpu(w, days) * GIB,
                )
            )
        out.write("# TYPE node_cpu_seconds counter\n")
        for h in hosts:
            busy = np.cumsum(host_cpu(h, days) * SCRAPE)
            out.write(
                _lines("node_cpu_seconds_total", f'instance="{h}:9100",cpu="0",mode="user"', times, busy)
            )
        out.write("# TYPE node_memory_MemTotal_bytes gauge\n")
        for h in hosts:
            out.write(
                _lines(
                    "node_memory_MemTotal_bytes",
                    f'instance="{h}:9100"',
                    times,
                    np.full(times.size, HOST_MEMORY * GIB),
                )
            )
        out.write("# TYPE node_memory_MemAvailable_bytes gauge\n")
        for h in hosts:
            used = OVERHEAD_MEMORY + 2 * (host_cpu(h, days) - OVERHEAD_CPU)
            out.write(
                _lines(
                    "node_memory_MemAvailable_bytes",
                    f'instance="{h}:9100"',
                    times,
                    (HOST_MEMORY - used) * GIB,
                )
            )
        out.write("# EOF\n")
    return start
