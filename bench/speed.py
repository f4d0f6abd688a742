"""Plan time and peak memory of the heuristic at 10k, 100k and 1M workloads.

    python -m bench.speed [--sizes 10000,50000,100000,1000000] [--time-limit 60]

Hosts and zones grow in proportion (20 workloads per host; 3, 6 and 12 zones), and 50k workloads sit
on 1,000 hosts in 100 zones (many small zones). Goals (issue 13, goal 4): 50k / 1,000 / 100 zones
under 5 s, 100k workloads on 5,000 hosts in 6 zones under 2 s, 1M under 30 s, on the 2-core
development machine. Each size runs in a fresh process so peak RSS is its own; the load average
(the larger of before and after the plan) says how far the wall time is to be trusted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time

from rich.console import Console
from rich.table import Table

# workloads -> (hosts, zones); 50k is the many-zones case (100 zones of 10 hosts)
SHAPES = {10_000: (500, 3), 50_000: (1_000, 100), 100_000: (5_000, 6), 1_000_000: (50_000, 12)}


def measure(workloads: int, time_limit: float) -> dict[str, float]:
    """Run one size in this process and return its figures."""
    from scheduler.model.synthetic import scale_inventory
    from scheduler.planning.rebalance import rebalance

    hosts, zones = SHAPES.get(workloads, (max(1, workloads // 20), 6))
    inv = scale_inventory(1, workloads=workloads, hosts=hosts, zones=zones)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Nothing is compiled beforehand: the inventory caches its numpy columns on first use, and
    # that first use (one pass over every workload) belongs to the plan's time.
    load_before = os.getloadavg()[0]
    t1 = time.perf_counter()
    c1 = time.process_time()
    plan = rebalance(inv, time_limit=time_limit)
    t2 = time.perf_counter()
    c2 = time.process_time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "workloads": workloads,
        "hosts": hosts,
        "zones": zones,
        "plan_s": t2 - t1,
        "plan_cpu_s": c2 - c1,
        "load": max(load_before, os.getloadavg()[0]),
        "moves": len(plan.moves),
        "before": plan.before.imbalance,
        "after": plan.after.imbalance,
        "bound": plan.lower_bound or 0.0,
        "peak_rss_mib": peak / 1024,
        "planning_rss_mib": max(0, peak - base_rss) / 1024,
        "stopped": plan.reason or "converged",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.speed")
    parser.add_argument("--sizes", default="10000,50000,100000,1000000")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.time_limit)))
        return
    console = Console(width=max(200, Console().width))
    table = Table(title="Heuristic plan time and memory", title_justify="left")
    for column in (
        "workloads",
        "hosts",
        "zones",
        "wall s",
        "CPU s",
        "CPU s/(n ln n) e6",
        "moves",
        "imbalance",
        "bound",
        "peak RSS MiB",
        "planning MiB",
        "load",
        "note",
    ):
        table.add_column(column, justify="right", no_wrap=True)  # (a wide console: see below)
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, "-m", "bench.speed", "--one", str(size), "--time-limit", str(args.time_limit)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        n = r["workloads"]
        table.add_row(
            f"{n:,}",
            f"{r['hosts']:,}",
            str(r["zones"]),
            f"{r['plan_s']:.2f}",
            f"{r['plan_cpu_s']:.2f}",
            f"{r['plan_cpu_s'] / (n * math.log(n)) * 1e6:.3f}",
            f"{r['moves']:,}",
            f"{r['before']:.4f} → {r['after']:.4f}",
            f"{r['bound']:.4f}",
            f"{r['peak_rss_mib']:.0f}",
            f"{r['planning_rss_mib']:.0f}",
            f"{r['load']:.1f}",
            r["stopped"][:40],
        )
        console.print(
            f"done: {n:,} workloads in {r['plan_s']:.2f} s wall, {r['plan_cpu_s']:.2f} CPU s", style="dim"
        )
    console.print(table)
    console.print(
        "wall s, CPU s: rebalance() from an Inventory (compile to arrays, bound, search, safety gate); "
        f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time suffers from "
        "other load, CPU time less so).",
        style="dim",
    )


if __name__ == "__main__":
    main()
