"""Load time of a YAML inventory file at 6k, 20k and 60k workloads, and of the commands that read one.

    python -m bench.load [--sizes 6000,20000,60000] [--repeat 3]

For each size a synthetic inventory (:func:`scheduler.model.synthetic.scale_inventory`: 20 workloads
per host, 6 zones) is written to a temporary YAML file, then read in fresh processes:

- ``load``: :func:`scheduler.model.inventory_file.load_inventory` alone (read, parse, check, build);
- ``govcloud inventory --json``: the command a user runs, from process start (imports included) to
  the inventory written back as JSON: what any command pays before it plans;
- ``govcloud inventory``: the same, written back as YAML (PyYAML's representer and libyaml's emitter
  cost about as much as the load).

Each figure is the best of ``--repeat`` runs, in wall and CPU seconds (the machine is shared: wall
time suffers from other load, CPU time less so). Goal: 60k workloads end to end under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def write_inventory(workloads: int, path: Path) -> int:
    """Write the synthetic inventory of ``workloads`` workloads to ``path``; its size in bytes."""
    from scheduler.model.inventory_file import write_inventory_yaml
    from scheduler.model.synthetic import scale_inventory

    inv = scale_inventory(1, workloads=workloads, hosts=max(1, workloads // 20), zones=6)
    with path.open("w", encoding="utf-8") as handle:
        write_inventory_yaml(inv, handle)
    return path.stat().st_size


def measure_load(path: str) -> dict[str, float]:
    """Load ``path`` in this process: wall and CPU seconds, and what was read."""
    from scheduler.model.inventory_file import load_inventory

    w0, c0 = time.perf_counter(), time.process_time()
    inv = load_inventory(path)
    return {
        "wall": time.perf_counter() - w0,
        "cpu": time.process_time() - c0,
        "workloads": len(inv.workloads),
        "hosts": len(inv.hosts),
    }


def _child(argv: list[str]) -> tuple[float, float, str]:
    """Run ``argv`` to completion: wall seconds, CPU seconds (user + system) and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout


def _best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(w for w, _ in runs), min(c for _, c in runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--sizes", default="6000,20000,60000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_load(args.one)))
        return
    console = Console(width=max(120, Console().width))
    table = Table(title="Inventory load time (best of runs)", title_justify="left")
    for column in (
        "workloads",
        "hosts",
        "YAML MiB",
        "load s (wall)",
        "load s (CPU)",
        "inventory --json s (wall)",
        "(CPU)",
        "inventory s (wall)",
        "(CPU)",
    ):
        table.add_column(column, justify="right")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"inventory-{size}.yaml"
            size_bytes = write_inventory(size, path)
            loads: list[tuple[float, float]] = []
            as_json: list[tuple[float, float]] = []
            as_yaml: list[tuple[float, float]] = []
            result: dict[str, float] = {}
            command = [sys.executable, "-m", "govcloud", "inventory", "--inventory", str(path)]
            for _ in range(args.repeat):
                _, _, stdout = _child([sys.executable, "-m", "bench.load", "--one", str(path)])
                result = json.loads(stdout.strip().splitlines()[-1])
                loads.append((result["wall"], result["cpu"]))
                as_json.append(_child([*command, "--json"])[:2])
                as_yaml.append(_child(command)[:2])
            figures = (*_best(loads), *_best(as_json), *_best(as_yaml))
            table.add_row(
                f"{int(result['workloads']):,}",
                f"{int(result['hosts']):,}",
                f"{size_bytes / 2**20:.1f}",
                *(f"{seconds:.2f}" for seconds in figures),
            )
            console.print(f"done: {size:,} workloads", style="dim")
    console.print(table)
    console.print(
        "load: load_inventory() in a fresh process; inventory: `govcloud inventory --inventory FILE "
        "[--json]` from process start (imports included) to the inventory written back. Load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs.",
        style="dim",
    )


if __name__ == "__main__":
    main()
