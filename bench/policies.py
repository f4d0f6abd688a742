"""Benchmark of the policy pack on an offline preview: seconds to evaluate every policy.

Run ``python -m bench.policies`` (``--tenants N`` for another generated size). The preview runs once
per stack; only the pack's evaluation (engine-shaped args built, every policy run) is timed, best of
``--repeat``. Goal: the 200-tenant stack's resources checked in under 5 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bench.stack_gen import benchmark_stack
from govcloud.console import make_console
from infra.preview import preview_stack
from policies.offline import check_resources
from stacks import LoadedStack

GOAL_SECONDS = 5.0


@dataclass(frozen=True)
class Measurement:
    stack: str
    tenants: int
    resources: int
    violations: int
    seconds: float
    cpu_seconds: float


def measure(label: str, stack: LoadedStack, repeat: int) -> Measurement:
    resources = preview_stack(stack).resources
    best: tuple[float, float] | None = None
    found = 0
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        found = len(check_resources(resources, stack.spec))
        run = (time.perf_counter() - wall, time.process_time() - cpu)
        best = run if best is None or run[0] < best[0] else best
    assert best is not None
    return Measurement(label, len(stack.spec.tenants), len(resources), found, *best)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.policies", description=__doc__)
    parser.add_argument("--tenants", type=int, default=200, help="size of the generated stack")
    parser.add_argument("--repeat", type=int, default=3, help="evaluations per stack (best is kept)")
    args = parser.parse_args()
    cases = [benchmark_stack(case) for case in ("dev", "prod", str(args.tenants))]
    with Console().status("previewing and evaluating the policy pack..."):
        results = [measure(label, stack, args.repeat) for label, stack in cases]
    table = Table(
        title=f"policy pack on the offline preview ({os.cpu_count()} CPUs; goal < {GOAL_SECONDS:g} s)"
    )
    for column in ("stack", "tenants", "resources", "violations", "seconds", "CPU s", "ms/resource"):
        table.add_column(column, justify="left" if column == "stack" else "right")
    for m in results:
        colour = "green" if m.seconds < GOAL_SECONDS else "red"
        table.add_row(
            m.stack,
            str(m.tenants),
            f"{m.resources:,}",
            str(m.violations),
            f"[{colour}]{m.seconds:.2f}[/]",
            f"{m.cpu_seconds:.2f}",
            f"{1000 * m.seconds / max(m.resources, 1):.3f}",
        )
    make_console().print(table)
    make_console().print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
