"""The rebalancer on real data: Google's ROADEF/EURO 2012 machine reassignment instances (set A).

    python -m bench.roadef [--data DIR] [--strategy heuristic|exact] [--time-limit 10] [--only a1_1 ...]

Conversion (:func:`load_roadef`): machines -> hosts (``capacity`` = the instance's hard capacity per
resource, resources named ``r0``..``rN``), locations -> zones (``loc-L``), processes -> workloads on
their initial machine with their requirements, services with more than one process -> replica groups
(``svc-S``). Neighbourhoods, safety capacities, dependencies, spread minima and the challenge's costs
are ignored; there are no tenants, quotas or residency limits, and every process is movable.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from scheduler.model.inventory import Host, Inventory, InventoryZone, Workload
from scheduler.planning.rebalance import rebalance

# shared/ lies beside the checkout (CI lays a copy there too); GOVCLOUD_ROADEF_DATA points elsewhere.
DATA = Path(
    os.environ.get(
        "GOVCLOUD_ROADEF_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "roadef-2012" / "A"
    )
)


@dataclass(frozen=True)
class Roadef:
    """The parts of an instance the conversion uses (counts kept for checking)."""

    resources: int
    locations: tuple[int, ...]  # per machine
    capacity: tuple[tuple[int, ...], ...]  # per machine, per resource
    services: int
    process_service: tuple[int, ...]
    requirement: tuple[tuple[int, ...], ...]  # per process, per resource
    assignment: tuple[int, ...]  # initial machine per process


def read_roadef(model: Path, assignment: Path) -> Roadef:
    """Parse a model file and its initial assignment (whitespace-separated integers)."""
    tokens = iter(int(t) for t in model.read_text().split())

    def take(n: int) -> tuple[int, ...]:
        return tuple(next(tokens) for _ in range(n))

    n_r = next(tokens)
    take(2 * n_r)  # transient flag, weightLoadCost
    n_m = next(tokens)
    locations, capacity = [], []
    for _ in range(n_m):
        _neighbourhood, location = take(2)
        locations.append(location)
        capacity.append(take(n_r))
        take(n_r)  # safety capacity
        take(n_m)  # move costs
    n_s = next(tokens)
    for _ in range(n_s):
        _spread_min, n_deps = take(2)
        take(n_deps)
    n_p = next(tokens)
    service, requirement = [], []
    for _ in range(n_p):
        service.append(next(tokens))
        requirement.append(take(n_r))
        take(1)  # process move cost
    initial = tuple(int(t) for t in assignment.read_text().split())
    if len(initial) != n_p:
        raise ValueError(f"{assignment}: {len(initial)} machines for {n_p} processes")
    return Roadef(n_r, tuple(locations), tuple(capacity), n_s, tuple(service), tuple(requirement), initial)


def to_inventory(data: Roadef) -> Inventory:
    """The instance as an :class:`Inventory` (see the module docstring for the mapping)."""
    names = [f"r{i}" for i in range(data.resources)]
    zones: dict[int, list[Host]] = {}
    for m, location in enumerate(data.locations):
        capacity = dict(zip(names, data.capacity[m], strict=True))
        zones.setdefault(location, []).append(Host(f"m{m}", f"loc-{location}", capacity))
    size = [0] * data.services
    for s in data.process_service:
        size[s] += 1
    workloads = tuple(
        Workload(
            name=f"p{p}",
            tenant=None,
            host=f"m{data.assignment[p]}",
            requests=dict(zip(names, data.requirement[p], strict=True)),
            group=f"svc-{s}" if size[s] > 1 else None,
        )
        for p, s in enumerate(data.process_service)
    )
    return Inventory(
        zones=tuple(InventoryZone(f"loc-{loc}", None, tuple(hosts)) for loc, hosts in sorted(zones.items())),
        workloads=workloads,
    )


def load_roadef(name: str, data_dir: Path = DATA) -> Inventory:
    """Instance ``name`` (e.g. ``a1_1``) from ``data_dir`` as an inventory."""
    return to_inventory(read_roadef(data_dir / f"model_{name}.txt", data_dir / f"assignment_{name}.txt"))


def instances(data_dir: Path = DATA) -> list[str]:
    """The instance names found in ``data_dir``, sorted."""
    return sorted(p.name[len("model_") : -len(".txt")] for p in data_dir.glob("model_*.txt"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.roadef")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--strategy", default="heuristic")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)
    console = Console(width=max(120, Console().width))
    table = Table(title=f"ROADEF 2012 set A, strategy {args.strategy}", title_justify="left")
    for column in (
        "instance",
        "Z/H/W",
        "R",
        "before",
        "after",
        "bound",
        "after-bound",
        "moves",
        "s",
        "CPU s",
        "reason",
    ):
        table.add_column(column, justify="left" if column == "reason" else "right")
    close = 0
    names = args.only or instances(args.data)
    for name in names:
        inv = load_roadef(name, args.data)
        t0, c0 = time.perf_counter(), time.process_time()
        plan = rebalance(inv, strategy=args.strategy, time_limit=args.time_limit)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        bound = plan.lower_bound or 0.0
        gap = plan.after.imbalance - bound
        close += gap <= 0.02
        table.add_row(
            name,
            f"{len(inv.zones)}/{len(inv.hosts)}/{len(inv.workloads)}",
            str(len(inv.resources)),
            f"{plan.before.imbalance:.4f}",
            f"{plan.after.imbalance:.4f}",
            f"{bound:.4f}",
            f"{gap:.4f}",
            str(len(plan.moves)),
            f"{seconds:.2f}",
            f"{cpu:.2f}",
            (plan.reason or "")[:40],
        )
    console.print(table)
    console.print(f"after - bound <= 0.02 on {close} of {len(names)} instances")
    console.print(f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", style="dim")


if __name__ == "__main__":
    main()
