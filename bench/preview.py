"""Benchmark of the offline preview: seconds and peak memory to run the Pulumi program under mocks.

Run ``python -m bench.preview`` (``--tenants N`` for another generated size). Each case runs in a
fresh process so its peak resident memory is its own. Goal: a 200-tenant stack in under 10 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
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


def _measure(case: str) -> Measurement:
    from bench.stack_gen import generated_stack
    from infra.preview import preview_stack
    from stacks import load_stack

    stack = generated_stack(int(case)) if case.isdigit() else load_stack(ROOT / "stacks" / f"{case}.yaml")
    baseline = _rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    preview = preview_stack(stack)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    label = f"generated {case}" if case.isdigit() else f"stacks/{case}.yaml"
    return Measurement(
        label, len(stack.spec.tenants), len(preview.resources), wall, cpu, baseline, _rss_mib()
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.preview", description=__doc__)
    parser.add_argument("--tenants", type=int, default=GOAL_TENANTS, help="size of the generated stack")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the generated stack (best is kept)")
    args = parser.parse_args()

    cases = [c for c in ("dev", "prod") if (ROOT / "stacks" / f"{c}.yaml").exists()]
    context = multiprocessing.get_context("spawn")
    results: list[Measurement] = []
    with Console().status("running previews under mocks..."):
        for case in cases:
            with context.Pool(1) as pool:
                results.append(pool.apply(_measure, (case,)))
        runs = []
        for _ in range(args.repeat):
            with context.Pool(1) as pool:
                runs.append(pool.apply(_measure, (str(args.tenants),)))
        results.append(min(runs, key=lambda m: m.seconds))

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
    if args.repeat > 1:
        Console().print(
            f"generated stack: best of {args.repeat}; all runs: {', '.join(f'{r.seconds:.2f} s' for r in runs)}"
        )


if __name__ == "__main__":
    main()
