"""The one safety gate: rules 1-5 of CONTRACTS.md section 3, checked move by move.

Every planner's output goes through :func:`plan_violations` before it is returned, and the applier
calls :func:`move_violations` against the live state before each move.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from scheduler.inventory import Inventory
from scheduler.move import Move

# Requests and capacities are sums of decimal numbers; this much rounding noise is not an overflow.
TOLERANCE = 1e-9


def _exceeds(value: float, cap: float) -> bool:
    return value > cap + TOLERANCE * max(1.0, abs(cap))


def group_zone_counts(inv: Inventory) -> dict[str, int]:
    """group -> number of distinct zones its replicas occupy in ``inv``."""
    zones: dict[str, set[str]] = {}
    for workload in inv.workloads:
        if workload.group is not None:
            zones.setdefault(workload.group, set()).add(inv.zone_of(workload.host))
    return {group: len(z) for group, z in zones.items()}


class SafetyState:
    """A running copy of an inventory's placement that checks and applies moves one at a time."""

    def __init__(self, inv: Inventory, *, baseline_groups: Mapping[str, int] | None = None) -> None:
        self.inv = inv
        self.placement: dict[str, str] = {w.name: w.host for w in inv.workloads}
        self.host_load: dict[str, Counter[str]] = {h.name: Counter() for h in inv.hosts}
        self.quota_use: dict[tuple[str, str], Counter[str]] = {}
        self.group_hosts: dict[str, Counter[str]] = {}
        self.group_zones: dict[str, Counter[str]] = {}
        self.moved: set[str] = set()
        for workload in inv.workloads:
            self._place(workload.name, workload.host, +1)
        self.baseline_groups = dict(baseline_groups) if baseline_groups is not None else self._zone_counts()

    def _zone_counts(self) -> dict[str, int]:
        return {g: sum(1 for n in c.values() if n > 0) for g, c in self.group_zones.items()}

    def _place(self, name: str, host: str, sign: int) -> None:
        workload = self.inv.workload(name)
        zone = self.inv.zone_of(host)
        load = self.host_load[host]
        use = self.quota_use.setdefault((workload.tenant or "", zone), Counter())
        for resource, amount in workload.requests.items():
            load[resource] += sign * amount
            use[resource] += sign * amount
        if workload.group is not None:
            self.group_hosts.setdefault(workload.group, Counter())[host] += sign
            self.group_zones.setdefault(workload.group, Counter())[zone] += sign

    def violations(self, move: Move) -> list[str]:
        """Why ``move`` is unsafe in the current state (rules 1-4); empty when it is safe."""
        inv = self.inv
        try:
            workload = inv.workload(move.workload)
        except KeyError:
            return [f"unknown workload {move.workload!r}"]
        current = self.placement[move.workload]
        if move.from_host != current:
            return [f"{move.workload} runs on {current}, not on {move.from_host}"]
        try:
            target = inv.host(move.to_host)
        except KeyError:
            return [f"unknown host {move.to_host!r}"]
        if move.to_host == current:
            return [f"{move.workload} already runs on {move.to_host}"]
        from_zone, to_zone = inv.zone_of(current), target.zone
        if (move.from_zone, move.to_zone) != (from_zone, to_zone):
            return [f"zones of the move are wrong: {from_zone} -> {to_zone}"]
        problems: list[str] = []
        # rule 3: pinned, residency, cordoned
        if not workload.movable:
            problems.append(f"{workload.name} is pinned (movable: false)")
        if not workload.may_enter(to_zone):
            problems.append(f"{workload.name} may not run in {to_zone} (allowed_zones)")
        if not target.schedulable:
            problems.append(f"host {target.name} is not schedulable")
        # rule 1: host capacity
        load = self.host_load[target.name]
        over = [r for r, v in load.items() if _exceeds(v, target.capacity.get(r, 0.0))]
        if over:
            problems.append(f"host {target.name} is already over capacity in {', '.join(sorted(over))}")
        else:
            for resource, amount in sorted(workload.requests.items()):
                cap = target.capacity.get(resource, 0.0)
                if amount > 0 and _exceeds(load[resource] + amount, cap):
                    problems.append(
                        f"host {target.name} would exceed its {resource} capacity "
                        f"({load[resource] + amount:g} > {cap:g})"
                    )
        # rule 2: tenant quota in the destination zone
        tenant = inv.tenant(workload.tenant)
        if tenant is not None and to_zone != from_zone:
            use = self.quota_use.get((tenant.name, to_zone), Counter())
            for resource, amount in sorted(workload.requests.items()):
                cap = tenant.cap(to_zone, resource)
                if cap is not None and amount > 0 and _exceeds(use[resource] + amount, cap):
                    problems.append(
                        f"tenant {tenant.name} would exceed its {resource} quota in {to_zone} "
                        f"({use[resource] + amount:g} > {cap:g})"
                    )
        # rule 4: replica groups
        if workload.group is not None:
            group = workload.group
            if self.group_hosts[group][target.name] > 0:
                problems.append(f"host {target.name} already runs a replica of group {group}")
            zones = self.group_zones[group]
            before = sum(1 for n in zones.values() if n > 0)
            after = before - (1 if zones[from_zone] == 1 else 0) + (1 if zones[to_zone] == 0 else 0)
            if to_zone != from_zone and after < before:
                problems.append(f"group {group} would shrink from {before} to {after} zones")
            elif after < self.baseline_groups.get(group, 0):
                problems.append(
                    f"group {group} would occupy {after} zones, fewer than "
                    f"{self.baseline_groups[group]} at the start"
                )
        return problems

    def apply(self, move: Move) -> None:
        """Apply ``move`` (assumed checked)."""
        self._place(move.workload, move.from_host, -1)
        self._place(move.workload, move.to_host, +1)
        self.placement[move.workload] = move.to_host
        self.moved.add(move.workload)


def move_violations(
    inv: Inventory, move: Move, *, baseline_groups: Mapping[str, int] | None = None
) -> list[str]:
    """Why a single ``move`` is unsafe in state ``inv`` (rules 1-4); empty when it is safe.

    ``baseline_groups`` (group -> zone count at the start of a plan, see :func:`group_zone_counts`)
    lets a caller that applies a plan step by step hold groups to their original spread.
    """
    return SafetyState(inv, baseline_groups=baseline_groups).violations(move)


def plan_violations(inv: Inventory, moves: Iterable[Move], *, max_moves: int | None = None) -> list[str]:
    """Every rule 1-5 violation of applying ``moves`` in order from ``inv`` (empty when safe)."""
    state = SafetyState(inv)
    problems: list[str] = []
    count = 0
    for step, move in enumerate(moves, start=1):
        count += 1
        if move.workload in state.moved:
            problems.append(f"step {step}: {move.workload} moves a second time")
            continue
        found = state.violations(move)
        problems.extend(f"step {step}: {p}" for p in found)
        if found:
            return problems
        state.apply(move)
    if max_moves is not None and count > max_moves:
        problems.append(f"{count} moves, more than the limit of {max_moves}")
    return problems
