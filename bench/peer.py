"""Peer benchmark: this scheduler against OpenStack Watcher's ``workload_stabilization`` and
``workload_balance`` strategies on the same clusters, side by side.

    python3 -m venv /tmp/watcher-venv && /tmp/watcher-venv/bin/pip install python-watcher
    python -m bench.peer --watcher-python /tmp/watcher-venv/bin/python [--count 8]
        [--sizes 60 2000 20000] [--big-count 1] [--watcher-seconds 600]
        [--watcher-timeout 900] [--watcher-memory-gib 4]

Watcher is not a dependency of this project (it is an OpenStack service with its own pinned stack),
so it runs in its own virtualenv: bench/watcher_runner.py builds its compute model and a fake metrics
source in-process, as Watcher's unit tests do, and repeats audits until a strategy proposes nothing
more. Both tools' moves are then measured here the same way: moves, final zone imbalance
(docs/contracts.md, imbalance), host load spread (max - min host cpu utilization), safety-rule violations
(capacity, quota, residency/pinning/cordon, replica groups, moved twice) and planning time.

Each Watcher run is a child process with a hard wall timeout (its process group is killed) and an
address-space cap (``RLIMIT_AS``), see bench/capped.py: a stuck or bloated run is reported as
"no result: timeout after N s" / "no result: memory cap N GiB" and the benchmark goes on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.capped import run_capped
from scheduler.model.imbalance import imbalance, zone_utilization
from scheduler.model.inventory import Inventory
from scheduler.model.inventory_file import inventory_to_dict, load_inventory
from scheduler.model.move import Move
from scheduler.model.resource import CPU
from scheduler.model.safety import SafetyState
from scheduler.model.synthetic import random_inventory
from scheduler.planning.rebalance import rebalance

RUNNER = Path(__file__).with_name("watcher_runner.py")
EXAMPLE = Path(__file__).resolve().parents[1] / "scheduler" / "examples" / "dev-inventory.yaml"
RULES = (
    ("capacity", ("capacity",)),
    ("quota", ("quota",)),
    ("residency/pin/cordon", ("allowed_zones", "pinned", "not schedulable")),
    ("groups", ("replica", "group")),
)


def measure(inv: Inventory, moves: list[tuple[str, str]]) -> dict[str, float]:
    """Apply ``moves`` (workload, to_host) one by one, counting every rule broken on the way."""
    state = SafetyState(inv)
    broken = dict.fromkeys([name for name, _ in RULES] + ["moved twice"], 0)
    placement = {w.name: w.host for w in inv.workloads}
    for name, to_host in moves:
        if name in state.moved:
            broken["moved twice"] += 1
        move = Move(
            name,
            inv.workload(name).tenant,
            placement[name],
            to_host,
            inv.zone_of(placement[name]),
            inv.zone_of(to_host),
        )
        for problem in state.violations(move):
            for rule, words in RULES:
                if any(word in problem for word in words):
                    broken[rule] += 1
                    break
        state.apply(move)
        placement[name] = to_host
    after = inv.with_placement(placement)
    cpu = CPU.name if CPU.name in inv.resources else inv.resources[0]
    loads: dict[str, float] = {}
    for w in after.workloads:
        loads[w.host] = loads.get(w.host, 0.0) + w.request(cpu)
    host_util = [loads.get(h.name, 0.0) / h.capacity[cpu] for h in inv.hosts if h.capacity.get(cpu)]
    zone_spread = 0.0
    for zone in inv.zones:
        utils = [loads.get(h.name, 0.0) / h.capacity[cpu] for h in zone.hosts if h.capacity.get(cpu)]
        zone_spread = max(zone_spread, max(utils) - min(utils)) if utils else zone_spread
    return {
        "moves": len(moves),
        "imbalance": imbalance(zone_utilization(after)),
        "host_spread": max(host_util) - min(host_util),
        "zone_spread": zone_spread,
        **broken,
    }


@dataclass
class Run:
    """One tool's moves on one cluster, with its wall and CPU seconds (and whether a limit cut it)."""

    moves: list[tuple[str, str]]
    seconds: float
    cpu: float
    stopped: bool = False
    failure: str | None = None  # no result, and why (its seconds and cpu are then floors)


@dataclass(frozen=True)
class Caps:
    """Limits on one Watcher run: audits stop after ``seconds``; killed at ``timeout``; ``memory_gib``."""

    seconds: float | None = 600.0
    timeout: float = 900.0
    memory_gib: float | None = 4.0


def watcher(python: str, inv: Inventory, strategy: str, caps: Caps | None = None) -> Run:
    """One Watcher strategy's moves on ``inv``, run in its own capped process."""
    caps = caps or Caps()
    request = json.dumps(
        {
            "inventory": inventory_to_dict(inv),
            "strategy": strategy,
            "rounds": 200,
            "max_seconds": caps.seconds,
        }
    )
    child = run_capped([python, str(RUNNER)], request, timeout=caps.timeout, memory_gib=caps.memory_gib)
    lines = child.stdout.strip().splitlines()
    if child.failure is not None or not lines:
        return Run([], child.seconds, child.cpu, failure=child.failure or "no output")
    result = json.loads(lines[-1])
    moves = [(m["workload"], m["to_host"]) for m in result["moves"]]
    return Run(
        moves, result["seconds"], result.get("cpu_seconds", float("nan")), result.get("stopped", False)
    )


def clusters(count: int, size: int = 60) -> list[tuple[str, Inventory]]:
    """At 60 VMs the dev example and ``count`` random clusters; bigger sizes ``count`` random ones.

    Every random cluster has the 60-VM shape scaled: 5 VMs per host, 3 zones, 60% full, skewed.
    """
    out = [("dev example", load_inventory(EXAMPLE))] if size == 60 else []
    for seed in range(count):
        inv = random_inventory(seed, workloads=size, hosts=max(12, size // 5), zones=3, fill=0.6, skew=2.5)
        out.append((f"random #{seed}", inv))
    return out


def ours(inv: Inventory, strategy: str) -> Run:
    t0, c0 = time.perf_counter(), time.process_time()
    # the exact MILP searches for its 10 s; for the heuristic the limit is only a net
    plan = rebalance(inv, strategy=strategy, time_limit=10.0 if strategy == "exact" else 120.0)
    return Run(
        [(m.workload, m.to_host) for m in plan.moves], time.perf_counter() - t0, time.process_time() - c0
    )


def table_for(size: int, clusters_run: int, results: dict[str, list[dict[str, float | str]]]) -> Table:
    """One size's table: means per cluster, violations as totals, CPU speed against workload_stabilization.

    A tool with no result on some cluster (a Watcher run stopped by its timeout or memory cap) shows
    why; its seconds are then floors, and so is the speed ratio against it."""
    table = Table(
        title=f"Peer benchmark, {size:,} VMs: {clusters_run} cluster(s) ({size:,} VMs, "
        f"{max(12, size // 5):,} hosts, 3 zones), means",
        title_justify="left",
    )
    columns = [
        "tool",
        "moves",
        "zone imbalance",
        "host spread",
        "worst zone's host spread",
        "capacity",
        "quota",
        "residency/pin/cordon",
        "groups",
        "moved twice",
        "time s",
        "CPU s",
        "WS CPU ÷ CPU",
    ]
    for column in columns:
        table.add_column(column, justify="left" if column == "tool" else "right")
    reference = results.get("watcher workload_stabilization", [])
    ws_cpu = statistics.mean(float(r["cpu"]) for r in reference) if reference else float("nan")
    ws_floor = any(r["stopped"] or r["failure"] for r in reference)
    for tool, rows in results.items():
        failures = sorted({str(r["failure"]) for r in rows if r["failure"]})
        seconds = statistics.mean(float(r["seconds"]) for r in rows)
        cpu = statistics.mean(float(r["cpu"]) for r in rows)
        ratio = ws_cpu / cpu if cpu > 0 else float("inf")
        speed = ("≥ " if ws_floor else "") + f"{ratio:.1f}×"
        if failures:
            floor = "> " if len(failures) == len(rows) else ""
            table.add_row(
                tool,
                "no result: " + "; ".join(failures),
                *[""] * 8,
                f"{floor}{seconds:.1f}",
                f"{floor}{cpu:.1f}",
                speed,
            )
            continue
        mean = {k: statistics.mean(float(r[k]) for r in rows) for k in rows[0] if k != "failure"}
        cut = any(r["stopped"] for r in rows)
        table.add_row(
            tool + (" (cut)" if cut else ""),
            f"{mean['moves']:.1f}",
            f"{mean['before']:.3f} → {mean['imbalance']:.3f}",
            f"{mean['host_spread']:.3f}",
            f"{mean['zone_spread']:.3f}",
            *(f"{sum(float(r[k]) for r in rows):.0f}" for k in columns[5:10]),
            f"{mean['seconds']:.2f}",
            f"{mean['cpu']:.2f}",
            speed,
        )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer")
    parser.add_argument("--watcher-python", default="/tmp/watcher-venv/bin/python")
    parser.add_argument("--count", type=int, default=8, help="random clusters at 60 VMs")
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[60], help="VMs per cluster, e.g. 60 2000 20000"
    )
    parser.add_argument("--big-count", type=int, default=1, help="random clusters at each size above 60")
    parser.add_argument(
        "--watcher-seconds",
        type=float,
        default=600.0,
        help="stop Watcher's audits after this many seconds (its moves so far are measured; marked cut)",
    )
    parser.add_argument(
        "--watcher-timeout",
        type=float,
        default=900.0,
        help="kill a Watcher run after this many wall seconds (reported as no result)",
    )
    parser.add_argument(
        "--watcher-memory-gib",
        type=float,
        default=4.0,
        help="address-space cap of each Watcher run (RLIMIT_AS; reported as no result when hit)",
    )
    args = parser.parse_args(argv)
    console = Console(width=max(170, Console().width))
    probe = (
        subprocess.run([args.watcher_python, "-c", "import watcher"], capture_output=True, check=False)
        if Path(args.watcher_python).exists()
        else None
    )
    if probe is None or probe.returncode != 0:
        console.print(
            f"[red]{args.watcher_python} cannot import watcher.[/] Set one up (it is not a project "
            "dependency): python3 -m venv /tmp/watcher-venv && "
            "/tmp/watcher-venv/bin/pip install python-watcher"
        )
        return 2
    caps = Caps(args.watcher_seconds, args.watcher_timeout, args.watcher_memory_gib)
    for size in args.sizes:
        results: dict[str, list[dict[str, float | str]]] = {}
        chosen = clusters(args.count if size == 60 else args.big_count, size)
        for name, inv in chosen:
            runs = {"govcloud heuristic": ours(inv, "heuristic")}
            if size <= 60:  # the exact MILP is for small inventories (10 s each)
                runs["govcloud exact"] = ours(inv, "exact")
            for strategy in ("workload_stabilization", "workload_balance"):
                runs[f"watcher {strategy}"] = watcher(args.watcher_python, inv, strategy, caps)
            before = imbalance(zone_utilization(inv))
            for tool, run in runs.items():
                row: dict[str, float | str] = dict(measure(inv, run.moves))
                row.update(seconds=run.seconds, cpu=run.cpu, before=before, stopped=float(run.stopped))
                row["failure"] = run.failure or ""
                results.setdefault(tool, []).append(row)
            console.print(f"done: {size:,} VMs, {name}", style="dim")
        console.print(table_for(size, len(chosen), results))
    console.print(
        "Violations are totals over all clusters, counted move by move with the scheduler's safety "
        "gate; Watcher does not model tenant quotas, residency or replica groups. Time: planning "
        "only (Watcher's audits in its own process, model built beforehand); CPU s is Watcher's process "
        "or ours. WS CPU ÷ CPU: Watcher workload_stabilization's mean CPU seconds over the tool's; (cut): "
        f"Watcher stopped by --watcher-seconds {args.watcher_seconds:g}, or no result (killed at "
        f"--watcher-timeout {args.watcher_timeout:g} s or its --watcher-memory-gib "
        f"{args.watcher_memory_gib:g} cap), so the ratio is a floor. Host spread: max - min host cpu "
        "utilization over all hosts; worst zone's: the largest max - min inside one zone.",
        style="dim",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
