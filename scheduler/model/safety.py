"""The one safety gate: rules 1-5 of the plan in docs/contracts.md, checked move by move.

Every planner's output goes through :func:`plan_violations` before it is returned, and the applier
calls :func:`move_violations` against the live state before each move.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from scheduler.model.columns import sums
from scheduler.model.inventory import Inventory
from scheduler.model.move import Move

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
    """A running copy of an inventory's placement that checks and applies moves one at a time.

    Loads, quota use and replica spread are computed on first use for the hosts, tenant-zones and
    groups a move touches, so checking a short plan against a large inventory stays cheap.
    """

    def __init__(
        self,
        inv: Inventory,
        *,
        baseline_groups: Mapping[str, int] | None = None,
        focus: Iterable[Move] | None = None,
    ) -> None:
        self.inv = inv
        self._moved_to: dict[str, str] = {}
        self._host_load: dict[str, Counter[str]] = {}
        self._quota_use: dict[tuple[str, str], Counter[str]] = {}
        self.moved: set[str] = set()
        self._baseline = dict(baseline_groups) if baseline_groups is not None else None
        self._complete = False
        self._by_group: dict[str, set[str]] = {}
        self._index(focus)

    def _index(self, focus: Iterable[Move] | None) -> None:
        """Sum loads and quota use, and list group members, for what ``focus`` touches (or all).

        Always computed from the current placement, so a later full pass may overwrite them.
        """
        inv = self.inv
        hosts: set[str] | None = None
        tenant_zones: set[tuple[str, str]] | None = None
        groups: set[str] | None = None
        if focus is None:
            self._complete = True
        else:
            hosts, tenant_zones, groups = set(), set(), set()
            for move in focus:
                hosts.update((move.from_host, move.to_host))
                try:
                    w = inv.workload(move.workload)
                except KeyError:
                    continue
                if w.tenant is not None:
                    tenant_zones.update(((w.tenant, move.from_zone), (w.tenant, move.to_zone)))
                if w.group is not None:
                    groups.add(w.group)
        if not self._moved_to:  # the inventory's own placement: summed on its columns
            self._index_columns(hosts, tenant_zones, groups)
        else:
            self._index_loop(hosts, tenant_zones, groups)

    def _index_loop(
        self, hosts: set[str] | None, tenant_zones: set[tuple[str, str]] | None, groups: set[str] | None
    ) -> None:
        """:meth:`_index` for any placement: one pass over the workloads."""
        inv = self.inv
        # Plain dicts in the loop (this pass sees every workload), Counters once summed.
        loads: dict[str, dict[str, float]] = {h: {} for h in hosts or ()}
        uses: dict[tuple[str, str], dict[str, float]] = {k: {} for k in tenant_zones or ()}
        members: dict[str, set[str]] = {g: set() for g in groups or ()}
        zone_of = {h.name: h.zone for h in inv.hosts}
        moved_to = self._moved_to
        for w in inv.workloads:
            host = moved_to.get(w.name, w.host) if moved_to else w.host
            targets = []
            if hosts is None or host in hosts:
                targets.append(loads.setdefault(host, {}))
            if w.tenant is not None:
                key = (w.tenant, zone_of[host])
                if tenant_zones is None or key in tenant_zones:
                    targets.append(uses.setdefault(key, {}))
            if targets:
                for resource, amount in w.requests.items():
                    for total in targets:
                        total[resource] = total.get(resource, 0.0) + amount
            if w.group is not None and (groups is None or w.group in groups):
                members.setdefault(w.group, set()).add(w.name)
        self._host_load.update({h: Counter(v) for h, v in loads.items()})
        self._quota_use.update({k: Counter(v) for k, v in uses.items()})
        self._by_group.update(members)

    def _index_columns(
        self, hosts: set[str] | None, tenant_zones: set[tuple[str, str]] | None, groups: set[str] | None
    ) -> None:
        """What :meth:`_index` sums, for the inventory's placement, from its numpy columns: the same
        entries and, summed in workload order, the same values as the loop over the workloads."""
        inv = self.inv
        cols = inv.columns
        resources = cols.resources
        host_index = inv.host_indices
        load, named = sums(cols.host, cols.req, cols.named, len(host_index))

        def counter(totals: np.ndarray, has: np.ndarray, row: int | None) -> Counter[str]:
            if row is None:
                return Counter()
            return Counter({resources[r]: float(totals[row, r]) for r in np.flatnonzero(has[row])})

        wanted = host_index if hosts is None else hosts
        self._host_load.update({h: counter(load, named, host_index.get(h)) for h in wanted})
        zones = tuple(dict.fromkeys(h.zone for h in inv.hosts))
        z_index = {z: i for i, z in enumerate(zones)}
        host_zone = np.array([z_index[h.zone] for h in inv.hosts], dtype=np.int64)
        n_z = len(zones)
        key = np.where(cols.tenant >= 0, cols.tenant * n_z + host_zone[cols.host], -1)
        use, used = sums(key, cols.req, cols.named, len(cols.tenants) * n_z)
        t_index = {t: i for i, t in enumerate(cols.tenants)}
        pairs = [(t, z) for t in cols.tenants for z in zones] if tenant_zones is None else tenant_zones
        for t, z in pairs:
            ti, zi = t_index.get(t), z_index.get(z)
            row = None if ti is None or zi is None else ti * n_z + zi
            self._quota_use[(t, z)] = counter(use, used, row)
        members: dict[str, set[str]] = {g: set() for g in groups or ()}
        for w in (inv.workloads[i] for i in cols.grouped):
            if groups is None or w.group in groups:
                members.setdefault(w.group, set()).add(w.name)
        self._by_group.update(members)

    def _ensure(self, present: bool) -> None:
        # Asked about something outside the focus: index everything once.
        if not present and not self._complete:
            self._index(None)

    def where(self, name: str) -> str:
        """The host ``name`` runs on in this state."""
        return self._moved_to.get(name) or self.inv.workload(name).host

    # --- views computed on demand and then kept up to date ------------------------------------------
    def host_load(self, host: str) -> Counter[str]:
        self._ensure(host in self._host_load)
        return self._host_load.setdefault(host, Counter())

    def quota_use(self, tenant: str, zone: str) -> Counter[str]:
        self._ensure((tenant, zone) in self._quota_use)
        return self._quota_use.setdefault((tenant, zone), Counter())

    def group_hosts(self, group: str) -> Counter[str]:
        self._ensure(group in self._by_group)
        return Counter(self.where(name) for name in self._by_group.get(group, ()))

    def group_zones(self, group: str) -> Counter[str]:
        self._ensure(group in self._by_group)
        return Counter(self.inv.zone_of(self.where(name)) for name in self._by_group.get(group, ()))

    def baseline(self, group: str) -> int:
        if self._baseline is None:
            self._baseline = {}  # zone counts in the inventory this state started from
        if group not in self._baseline:
            self._baseline[group] = len(
                {self.inv.zone_of(self.inv.workload(name).host) for name in self._by_group.get(group, ())}
            )
        return self._baseline[group]

    def violations(self, move: Move) -> list[str]:
        """Why ``move`` is unsafe in the current state (rules 1-4); empty when it is safe."""
        inv = self.inv
        try:
            workload = inv.workload(move.workload)
        except KeyError:
            return [f"unknown workload {move.workload!r}"]
        current = self.where(move.workload)
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
        load = self.host_load(target.name)
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
            use = self.quota_use(tenant.name, to_zone)
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
            if self.group_hosts(group)[target.name] > 0:
                problems.append(f"host {target.name} already runs a replica of group {group}")
            zones = self.group_zones(group)
            before = sum(1 for n in zones.values() if n > 0)
            after = before
            if to_zone != from_zone:  # a move inside one zone leaves the group's zones as they are
                after = before - (1 if zones[from_zone] == 1 else 0) + (1 if zones[to_zone] == 0 else 0)
            if to_zone != from_zone and after < before:
                problems.append(f"group {group} would shrink from {before} to {after} zones")
            elif after < self.baseline(group):
                problems.append(
                    f"group {group} would occupy {after} zones, "
                    f"fewer than {self.baseline(group)} at the start"
                )
        return problems

    def apply(self, move: Move) -> None:
        """Apply ``move`` (assumed checked)."""
        workload = self.inv.workload(move.workload)
        old, new = move.from_host, move.to_host
        loads = [self.host_load(old), self.host_load(new)]
        uses = []
        if workload.tenant is not None:
            uses = [
                self.quota_use(workload.tenant, move.from_zone),
                self.quota_use(workload.tenant, move.to_zone),
            ]
        for resource, amount in workload.requests.items():
            loads[0][resource] -= amount
            loads[1][resource] += amount
            if uses:
                uses[0][resource] -= amount
                uses[1][resource] += amount
        self._moved_to[workload.name] = new
        self.moved.add(workload.name)


def move_violations(
    inv: Inventory, move: Move, *, baseline_groups: Mapping[str, int] | None = None
) -> list[str]:
    """Why a single ``move`` is unsafe in state ``inv`` (rules 1-4); empty when it is safe.

    ``baseline_groups`` (group -> zone count at the start of a plan, see :func:`group_zone_counts`)
    lets a caller that applies a plan step by step hold groups to their original spread.
    """
    return SafetyState(inv, baseline_groups=baseline_groups, focus=[move]).violations(move)


def plan_violations(inv: Inventory, moves: Iterable[Move], *, max_moves: int | None = None) -> list[str]:
    """Every rule 1-5 violation of applying ``moves`` in order from ``inv`` (empty when safe)."""
    moves = list(moves)
    state = SafetyState(inv, focus=moves)
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
