"""Scrape cost of the exporter for a large cloud: 200 tenants x 6 zones x 8 resources.

Run with ``python -m bench.scrape [--tenants N --zones N --resources N --scrapes N]``. Goal: a scrape
(building fresh families and rendering the text format) under 50 ms.

``--concurrency N`` instead scrapes a real ``govcloud serve`` on loopback from N threads (keep-alive
connections and fresh connections; ``--mode`` picks one), at most ``--count`` scrapes per mode or
``--seconds``, back to back or with ``--pause-ms`` between one scraper's scrapes, and prints
p50/p90/p99/max. Goal: p99 under 50 ms at 20 concurrent scrapers.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable

from prometheus_client import generate_latest
from rich.console import Console
from rich.table import Table

from bench.scrape_load import load_average, run_load
from monitoring.collector import build_exporter
from monitoring.observation import Observation
from scheduler.model.inventory import Host, Inventory, InventoryTenant, InventoryZone, Workload
from scheduler.model.plan import Plan, Snapshot

RESOURCES = ("cpu", "memory_gib", "volume_gib", "gpu", "floating_ips", "ports", "iops", "bandwidth_mbps")


def big_inventory(tenants: int, zones: int, resources: int, hosts_per_zone: int = 20) -> Inventory:
    """Every tenant runs one workload per zone using every resource and has a quota for each."""
    names = RESOURCES[:resources] + tuple(f"res{i}" for i in range(len(RESOURCES), resources))
    zone_names = [f"zone-{i}" for i in range(zones)]
    capacity = {r: 10_000.0 for r in names}
    zone_list = tuple(
        InventoryZone(
            z, f"region-{i % 2}", tuple(Host(f"{z}-h{h}", z, capacity) for h in range(hosts_per_zone))
        )
        for i, z in enumerate(zone_names)
    )
    tenant_list = tuple(
        InventoryTenant(f"tenant-{t}", {z: {r: 5_000.0 for r in names} for z in zone_names})
        for t in range(tenants)
    )
    workloads = tuple(
        Workload(
            f"tenant-{t}/app-{z}",
            f"tenant-{t}",
            f"{z}-h{t % hosts_per_zone}",
            {r: 1.0 + (t * 7 + zi) % 13 for r in names},
        )
        for t in range(tenants)
        for zi, z in enumerate(zone_names)
    )
    return Inventory(zone_list, tenant_list, workloads)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scrape", description=__doc__)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--zones", type=int, default=6)
    parser.add_argument("--resources", type=int, default=8)
    parser.add_argument("--scrapes", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=0, help="scrape a govcloud serve from N threads")
    parser.add_argument("--count", type=int, default=2000, help="with --concurrency: scrapes per mode")
    parser.add_argument("--seconds", type=float, default=60.0, help="with --concurrency: time limit per mode")
    parser.add_argument("--mode", choices=("both", "keep-alive", "fresh"), default="both")
    parser.add_argument(
        "--pause-ms", type=float, default=0.0, help="with --concurrency: each scraper's pause between scrapes"
    )
    args = parser.parse_args()
    console = Console()

    inv = big_inventory(args.tenants, args.zones, args.resources)
    if args.concurrency > 0:
        _concurrent(console, inv, args)
        return
    exporter = build_exporter("bench")
    snapshot = Snapshot.of(inv)

    started = time.perf_counter()
    observation = Observation.of(inv, Plan((), snapshot, snapshot), time.time())
    figures_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    exporter.holder.publish(observation)  # renders the observation once, as the loop does on refresh
    render_ms = (time.perf_counter() - started) * 1000

    body = exporter.body.text()
    series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    gc.collect()
    plain = _timed(exporter.body.text, args.scrapes)
    zipped = _timed(exporter.body.gzipped, args.scrapes)
    uncached = _timed(lambda: generate_latest(exporter.registry), max(3, args.scrapes // 10))
    tracemalloc.start()
    exporter.body.text()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    table = Table(
        title=f"Exporter: {args.tenants} tenants x {args.zones} zones x {args.resources} resources",
        title_justify="left",
    )
    for column in ("measure", "value (median)", "p90", "max"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    table.add_row("series exported", f"{series:,}", "", "")
    table.add_row("body size, plain", f"{len(body) / 1024:,.0f} KiB", "", "")
    table.add_row("body size, gzip", f"{len(exporter.body.gzipped()) / 1024:,.0f} KiB", "", "")
    table.add_row("per refresh: figures from the inventory", f"{figures_ms:.1f} ms", "", "")
    table.add_row("per refresh: render the observation", f"{render_ms:.1f} ms", "", "")
    table.add_row(f"scrape, plain ({args.scrapes}x)", *_stats(plain))
    table.add_row(f"scrape, gzip ({args.scrapes}x)", *_stats(zipped))
    table.add_row(f"uncached: all families rendered ({len(uncached)}x)", *_stats(uncached))
    table.add_row("peak allocations during a scrape", f"{peak / 2**20:.1f} MiB", "", "")
    table.add_row("process max RSS", f"{rss_mib:.0f} MiB", "", "")
    met = statistics.median(plain) < 50 and statistics.median(zipped) < 50
    table.add_row("goal: scrape median < 50 ms", "[green]met[/]" if met else "[red]missed[/]", "", "")
    console.print(table)


def _concurrent(console: Console, inv: Inventory, args: argparse.Namespace) -> None:
    modes = {"both": (True, False), "keep-alive": (True,), "fresh": (False,)}[args.mode]
    load_before = load_average()
    results = run_load(inv, args.concurrency, args.count, args.seconds, modes, args.pause_ms / 1000)
    table = Table(
        title=f"govcloud serve on loopback, {args.concurrency} concurrent scrapers (gzip"
        + (f", {args.pause_ms:g} ms pause after each scrape" if args.pause_ms else ", back to back")
        + "): "
        f"{args.tenants} tenants x {args.zones} zones x {args.resources} resources",
        title_justify="left",
    )
    for column in ("connections", "scrapes", "failed", "per second", "p50", "p90", "p99", "max"):
        table.add_column(column, justify="left" if column == "connections" else "right")
    met = True
    for mode, result in results.items():
        met = met and result.failures == 0 and result.percentile(99) < 50
        table.add_row(
            mode,
            f"{len(result.latencies_ms):,}",
            str(result.failures),
            f"{len(result.latencies_ms) / result.seconds:,.0f}",
            *(f"{result.percentile(p):.1f} ms" for p in (50, 90, 99)),
            f"{result.latencies_ms[-1]:.1f} ms" if result.latencies_ms else "-",
        )
        for error in result.errors:
            console.print(f"{mode}: {error}", markup=False)
    console.print(table)
    console.print(f"load average before / after: {load_before} / {load_average()}", markup=False)
    console.print("goal: p99 < 50 ms, no failures: " + ("[green]met[/]" if met else "[red]missed[/]"))


def _timed(fn: Callable[[], object], times: int) -> list[float]:
    out = []
    for _ in range(times):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def _stats(ms: list[float]) -> tuple[str, str, str]:
    p90 = ms[max(0, int(len(ms) * 0.9) - 1)]
    return f"{statistics.median(ms):.1f} ms", f"{p90:.1f} ms", f"{ms[-1]:.1f} ms"


if __name__ == "__main__":
    main()
