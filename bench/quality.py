"""Plan quality: the heuristic against the exact MILP on random medium inventories.

    python -m bench.quality [--count 50] [--time-limit 10] [--seed 0]

Prints, per inventory and in total, the heuristic's imbalance minus the exact optimum (mean and worst;
goal: mean < 0.005, worst < 0.02) and its moves against the exact minimum; how often exact proves its
optimum (goal 6: at least 26 of 50 within 10 s), its wall and CPU seconds and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from rich.console import Console
from rich.table import Table

from scheduler.model.inventory import Inventory
from scheduler.model.synthetic import random_inventory
from scheduler.planning.rebalance import rebalance


def medium(seed: int) -> Inventory:
    """A medium inventory: 40-70 workloads, 8-14 hosts, 3-4 zones, quotas, groups, residency."""
    return random_inventory(
        seed,
        workloads=40 + seed % 31,
        hosts=8 + seed % 7,
        zones=3 + seed % 2,
        fill=0.55 + 0.05 * (seed % 5),
        skew=1.5 + 0.5 * (seed % 4),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.quality")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    console = Console(width=max(140, Console().width))
    rows = []
    table = Table(title="Heuristic vs exact (HiGHS) on random medium inventories", title_justify="left")
    for column in (
        "seed",
        "W/H/Z",
        "before",
        "heuristic",
        "exact",
        "bound",
        "gap",
        "moves h/e",
        "proven",
        "time h",
        "time e",
        "cpu e",
    ):
        table.add_column(column, justify="right")
    load_before = os.getloadavg()
    for seed in range(args.seed, args.seed + args.count):
        inv = medium(seed)
        t0 = time.perf_counter()
        heuristic = rebalance(inv)
        t1, c1 = time.perf_counter(), time.process_time()
        exact = rebalance(inv, strategy="exact", time_limit=args.time_limit)
        t2, c2 = time.perf_counter(), time.process_time()
        gap = heuristic.after.imbalance - exact.after.imbalance
        rows.append(
            (
                gap,
                len(heuristic.moves),
                len(exact.moves),
                exact.optimal,
                t1 - t0,
                t2 - t1,
                heuristic.after.imbalance - (exact.lower_bound or 0.0),
                c2 - c1,
            )
        )
        table.add_row(
            str(seed),
            f"{len(inv.workloads)}/{len(inv.hosts)}/{len(inv.zones)}",
            f"{heuristic.before.imbalance:.4f}",
            f"{heuristic.after.imbalance:.4f}",
            f"{exact.after.imbalance:.4f}",
            f"{exact.lower_bound or 0.0:.4f}",
            f"{gap:.4f}",
            f"{len(heuristic.moves)}/{len(exact.moves)}",
            "yes" if exact.optimal else "no",
            f"{t1 - t0:.3f}",
            f"{t2 - t1:.2f}",
            f"{c2 - c1:.2f}",
        )
    console.print(table)
    gaps = [r[0] for r in rows]
    bound_gaps = [r[6] for r in rows]
    proven = [r for r in rows if r[3]]
    summary = Table(title="Summary", title_justify="left")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_column("goal", justify="right")
    summary.add_row("inventories", str(len(rows)), "")
    summary.add_row(
        f"exact proven optimal within {args.time_limit:g} s", f"{len(proven)}", f">= {args.count * 26 // 50}"
    )
    summary.add_row("gap to exact, mean", f"{statistics.mean(gaps):.5f}", "< 0.005")
    summary.add_row("gap to exact, worst", f"{max(gaps):.5f}", "< 0.02")
    summary.add_row("gap to proven bound, mean", f"{statistics.mean(bound_gaps):.5f}", "")
    summary.add_row("gap to proven bound, worst", f"{max(bound_gaps):.5f}", "")
    summary.add_row(
        "heuristic moves / exact moves (sum)", f"{sum(r[1] for r in rows)} / {sum(r[2] for r in rows)}", ""
    )
    summary.add_row(
        "heuristic beats exact (must be 0 where proven)", str(sum(1 for r in proven if r[0] < -1e-9)), "0"
    )
    summary.add_row(
        "heuristic time mean / max (s)",
        f"{statistics.mean(r[4] for r in rows):.3f} / {max(r[4] for r in rows):.3f}",
        "",
    )
    summary.add_row(
        "exact time mean / max (s)",
        f"{statistics.mean(r[5] for r in rows):.2f} / {max(r[5] for r in rows):.2f}",
        "",
    )
    summary.add_row(
        "exact CPU s mean / max / total",
        f"{statistics.mean(r[7] for r in rows):.2f} / {max(r[7] for r in rows):.2f} / {sum(r[7] for r in rows):.0f}",
        "",
    )
    load_after = os.getloadavg()
    summary.add_row("load average (1 min) before / after", f"{load_before[0]:.2f} / {load_after[0]:.2f}", "")
    console.print(summary)


if __name__ == "__main__":
    main()
