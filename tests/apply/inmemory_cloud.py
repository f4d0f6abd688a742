"""A small in-process cloud for the applier's tests: a real model with hosts, capacity and placement.

It is both the applier's source (``load``) and its executor (``migrate``). ``migrate`` refuses what a
real cloud would refuse (unknown workload, wrong source host, disabled or full target) with
MoveFailed and counts every migration that took effect. A :class:`Faults` schedule can kill the
"process" (raise :class:`Crash`, which is not an Exception) at any numbered point: before or after a
migration takes effect, and before, in the middle of, or after any journal write.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from scheduler.apply.executor import MoveFailed
from scheduler.apply.journal import Journal
from scheduler.model.inventory import Host, Inventory, InventoryZone, Workload
from scheduler.model.move import Move


class Crash(BaseException):
    """The applier process died here."""


class Faults:
    """Counts injection points; raises Crash at point number ``at`` (None: never)."""

    def __init__(self, at: int | None = None) -> None:
        self.at = at
        self.count = 0

    def tick(self, where: str) -> None:
        point = self.count
        self.count += 1
        if point == self.at:
            raise Crash(where)


class CrashingJournal(Journal):
    """A journal whose writes can die before, halfway through, or right after the bytes hit the disk."""

    def __init__(self, path: Path, faults: Faults) -> None:
        super().__init__(path)
        self.faults = faults

    def _write(self, line: str) -> None:
        self.faults.tick("before journal write")
        half = len(line) // 2
        assert self._file is not None
        try:
            self.faults.tick("torn journal write")
        except Crash:
            self._file.write(line[:half])
            self._file.flush()
            raise
        super()._write(line)
        self.faults.tick("after journal write")


class Cloud:
    """Zones of hosts and where each workload runs; mutable, like the real thing."""

    def __init__(self, inv: Inventory, faults: Faults | None = None) -> None:
        self.zones = inv.zones
        self.tenants = inv.tenants
        self.hosts: dict[str, Host] = {h.name: h for h in inv.hosts}
        self.workloads: dict[str, Workload] = {w.name: w for w in inv.workloads}
        self.migrations: Counter[str] = Counter()
        self.faults = faults or Faults()
        self.before_migrate: Callable[[Move], None] | None = None
        self.loads = 0

    def load(self) -> Inventory:
        self.loads += 1
        zones = tuple(
            InventoryZone(z.name, z.region, tuple(self.hosts[h.name] for h in z.hosts)) for z in self.zones
        )
        return Inventory(zones, self.tenants, tuple(self.workloads.values()))

    def placement(self) -> dict[str, str]:
        return {name: w.host for name, w in self.workloads.items()}

    def disable(self, host: str) -> None:
        old = self.hosts[host]
        self.hosts[host] = Host(old.name, old.zone, old.capacity, schedulable=False)

    def place(self, workload: str, host: str) -> None:
        w = self.workloads[workload]
        self.workloads[workload] = Workload(
            w.name, w.tenant, host, w.requests, w.group, w.allowed_zones, w.movable
        )

    def migrate(self, move: Move) -> None:
        if self.before_migrate is not None:
            self.before_migrate(move)
        self.faults.tick("before migration")
        workload = self.workloads.get(move.workload)
        if workload is None:
            raise MoveFailed(f"no workload {move.workload}")
        if workload.host != move.from_host:
            raise MoveFailed(f"{move.workload} runs on {workload.host}, not {move.from_host}")
        target = self.hosts[move.to_host]
        if not target.schedulable:
            raise MoveFailed(f"host {target.name} is disabled")
        for resource, amount in workload.requests.items():
            used = sum(w.request(resource) for w in self.workloads.values() if w.host == target.name)
            if used + amount > target.capacity.get(resource, 0.0) + 1e-9:
                raise MoveFailed(f"host {target.name} has no room for {resource}")
        self.place(move.workload, move.to_host)
        self.migrations[move.workload] += 1
        self.faults.tick("after migration")


def two_zones(workloads: int = 4) -> Inventory:
    """Zone a (hosts a1, a2) holds every workload; zone b (b1, b2) is empty. Two tenants, one group."""
    hosts_a = (Host("a1", "a", {"cpu": 16}), Host("a2", "a", {"cpu": 16}))
    hosts_b = (Host("b1", "b", {"cpu": 16}), Host("b2", "b", {"cpu": 16}))
    items = tuple(
        Workload(
            f"w{i}",
            "health" if i % 2 == 0 else "tax",
            "a1" if i % 2 == 0 else "a2",
            {"cpu": 2},
        )
        for i in range(workloads)
    )
    return Inventory((InventoryZone("a", None, hosts_a), InventoryZone("b", None, hosts_b)), (), items)


def spread_moves(inv: Inventory, count: int) -> tuple[Move, ...]:
    """Move the first ``count`` workloads from zone a into zone b, alternating b1 and b2."""
    moves = []
    for i, workload in enumerate(inv.workloads[:count]):
        target = "b1" if i % 2 == 0 else "b2"
        moves.append(Move(workload.name, workload.tenant, workload.host, target, "a", "b"))
    return tuple(moves)
