"""Benchmark of the offline preview: seconds and peak memory to run the Pulumi program under mocks.

Run ``python -m bench.preview`` (``--tenants N`` for another generated size). Each case runs in a
fresh process so its peak resident memory is its own; the generated stack runs in one process and
split between one process per CPU (CPU seconds and peak RSS are then the parent's only).
Goal: a 200-tenant stack in under 10 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

GOAL_SECONDS = 10.0
GOAL_TENANTS = 200
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Measurement:
    case: str
    tenants: int
    resources: int
    seconds: float
    cpu_seconds: float
    baseline_mib: float
    peak_mib: float


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _measure(case: str, workers: int = 1) -> Measurement:
    from bench.stack_gen import benchmark_stack
    from infra.preview import preview_stack

    label, stack = benchmark_stack(case)
    baseline = _rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    preview = preview_stack(stack, workers=workers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if workers > 1:
        label += f", {workers} processes"
    return Measurement(
        label, len(stack.spec.tenants), len(preview.resources), wall, cpu, baseline, _rss_mib()
    )


def _in_fresh_process(case: str, workers: int) -> Measurement:
    # Not a multiprocessing.Pool: its daemonic workers may not fork the preview's own workers.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_measure, case, workers).result()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.preview", description=__doc__)
    parser.add_argument("--tenants", type=int, default=GOAL_TENANTS, help="size of the generated stack")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the generated stack (best is kept)")
    args = parser.parse_args()

    cases = [c for c in ("dev", "prod") if (ROOT / "stacks" / f"{c}.yaml").exists()]
    results: list[Measurement] = []
    with Console().status("running previews under mocks..."):
        for case in cases:
            results.append(_in_fresh_process(case, 1))
        runs: dict[int, list[Measurement]] = {}
        for workers in sorted({1, os.cpu_count() or 1}):
            runs[workers] = [_in_fresh_process(str(args.tenants), workers) for _ in range(args.repeat)]
            results.append(min(runs[workers], key=lambda m: m.seconds))

    table = Table(
        title=f"govcloud preview under mocks ({os.cpu_count()} CPUs; goal: {GOAL_TENANTS} tenants < {GOAL_SECONDS:g} s)"
    )
    for column in (
        "stack",
        "tenants",
        "resources",
        "seconds",
        "CPU s",
        "ms/resource",
        "RSS before",
        "peak RSS",
    ):
        table.add_column(column, justify="left" if column == "stack" else "right")
    for m in results:
        meets = m.tenants < GOAL_TENANTS or m.seconds < GOAL_SECONDS
        table.add_row(
            m.case,
            str(m.tenants),
            f"{m.resources:,}",
            f"[{'green' if meets else 'red'}]{m.seconds:.2f}[/]",
            f"{m.cpu_seconds:.2f}",
            f"{1000 * m.seconds / max(m.resources, 1):.2f}",
            f"{m.baseline_mib:.0f} MiB",
            f"{m.peak_mib:.0f} MiB",
        )
    Console().print(table)
    for workers, measured in runs.items():
        Console().print(
            f"generated stack, {workers} process(es): best of {len(measured)}; all runs: "
            + ", ".join(f"{m.seconds:.2f} s" for m in measured)
        )
    Console().print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
