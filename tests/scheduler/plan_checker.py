"""An independent checker of plans against the imbalance and plan rules of docs/contracts.md.

Written from the contract text alone: it reads the inventory as the plain file-format dict and the
plan as its JSON, and shares no code with the scheduler (in particular not scheduler.model.safety).
"""

from __future__ import annotations

from typing import Any

SLACK = 1e-6


def utilization(inventory: dict[str, Any], placement: dict[str, str]) -> dict[str, dict[str, float]]:
    host_zone = {h["name"]: z["name"] for z in inventory["zones"] for h in z["hosts"]}
    capacity: dict[str, dict[str, float]] = {}
    for zone in inventory["zones"]:
        totals = capacity.setdefault(zone["name"], {})
        for host in zone["hosts"]:
            for resource, amount in host["capacity"].items():
                totals[resource] = totals.get(resource, 0.0) + amount
    load: dict[str, dict[str, float]] = {z: {} for z in capacity}
    for workload in inventory["workloads"]:
        zone = host_zone[placement[workload["name"]]]
        for resource, amount in workload.get("requests", {}).items():
            load[zone][resource] = load[zone].get(resource, 0.0) + amount
    return {
        zone: {r: load[zone].get(r, 0.0) / cap for r, cap in caps.items() if cap > 0}
        for zone, caps in capacity.items()
    }


def imbalance(util: dict[str, dict[str, float]]) -> float:
    per_resource: dict[str, list[float]] = {}
    for row in util.values():
        for resource, value in row.items():
            per_resource.setdefault(resource, []).append(value)
    return max((max(v) - min(v) for v in per_resource.values()), default=0.0)


def check_plan(inventory: dict[str, Any], plan: dict[str, Any], max_moves: int | None = None) -> list[str]:
    """Every way ``plan`` breaks the contract when applied to ``inventory`` (empty when it is fine)."""
    problems: list[str] = []
    hosts = {h["name"]: (z["name"], h) for z in inventory["zones"] for h in z["hosts"]}
    workloads = {w["name"]: w for w in inventory["workloads"]}
    quotas = {t["name"]: t.get("quota", {}) for t in inventory.get("tenants", [])}
    placement = {w["name"]: w["host"] for w in inventory["workloads"]}
    start = dict(placement)

    def host_load(host: str) -> dict[str, float]:
        total: dict[str, float] = {}
        for name, where in placement.items():
            if where == host:
                for r, v in workloads[name].get("requests", {}).items():
                    total[r] = total.get(r, 0.0) + v
        return total

    def tenant_use(tenant: str, zone: str) -> dict[str, float]:
        total: dict[str, float] = {}
        for name, where in placement.items():
            if workloads[name].get("tenant") == tenant and hosts[where][0] == zone:
                for r, v in workloads[name].get("requests", {}).items():
                    total[r] = total.get(r, 0.0) + v
        return total

    def group_zones(group: str) -> set[str]:
        return {hosts[placement[n]][0] for n, w in workloads.items() if w.get("group") == group}

    before_util = utilization(inventory, start)
    if abs(imbalance(before_util) - plan["before"]["imbalance"]) > SLACK:
        problems.append("before.imbalance does not match the inventory")
    seen: set[str] = set()
    for step, move in enumerate(plan["moves"], start=1):
        where = f"step {step} ({move['workload']})"
        name = move["workload"]
        if name not in workloads:
            problems.append(f"{where}: unknown workload")
            continue
        w = workloads[name]
        if name in seen:
            problems.append(f"{where}: rule 5: moves twice")
        seen.add(name)
        if placement[name] != move["from_host"]:
            problems.append(f"{where}: runs on {placement[name]}, not {move['from_host']}")
        if move["to_host"] not in hosts:
            problems.append(f"{where}: unknown destination")
            continue
        to_zone, target = hosts[move["to_host"]]
        from_zone = hosts[placement[name]][0]
        if (move["from_zone"], move["to_zone"]) != (from_zone, to_zone):
            problems.append(f"{where}: zones in the move are wrong")
        if move.get("tenant") != w.get("tenant"):
            problems.append(f"{where}: tenant in the move is wrong")
        if move["to_host"] == placement[name]:
            problems.append(f"{where}: moves onto its own host")
        # rule 3
        if not w.get("movable", True):
            problems.append(f"{where}: rule 3: pinned workload moved")
        if w.get("allowed_zones") is not None and to_zone not in w["allowed_zones"]:
            problems.append(f"{where}: rule 3: {to_zone} not allowed")
        if not target.get("schedulable", True):
            problems.append(f"{where}: rule 3: destination cordoned")
        # rule 1
        load = host_load(move["to_host"])
        cap = target["capacity"]
        if any(v > cap.get(r, 0.0) + SLACK for r, v in load.items()):
            problems.append(f"{where}: rule 1: destination already over capacity")
        for r, v in w.get("requests", {}).items():
            if v > 0 and load.get(r, 0.0) + v > cap.get(r, 0.0) + SLACK:
                problems.append(f"{where}: rule 1: destination over capacity in {r}")
        # rule 2
        tenant = w.get("tenant")
        if tenant is not None and to_zone != from_zone:
            caps = quotas.get(tenant, {}).get(to_zone, {})
            use = tenant_use(tenant, to_zone)
            for r, limit in caps.items():
                need = w.get("requests", {}).get(r, 0.0)
                if need > 0 and use.get(r, 0.0) + need > limit + SLACK:
                    problems.append(f"{where}: rule 2: {tenant} over its {r} quota in {to_zone}")
        # rule 4
        group = w.get("group")
        zones_before = group_zones(group) if group else set()
        if group:
            for other, o in workloads.items():
                if other != name and o.get("group") == group and placement[other] == move["to_host"]:
                    problems.append(f"{where}: rule 4: two replicas of {group} on {move['to_host']}")
        placement[name] = move["to_host"]
        if group and len(group_zones(group)) < len(zones_before):
            problems.append(f"{where}: rule 4: group {group} spans fewer zones")
    if max_moves is not None and len(plan["moves"]) > max_moves:
        problems.append(f"rule 5: {len(plan['moves'])} moves > {max_moves}")
    after_util = utilization(inventory, placement)
    after = imbalance(after_util)
    if abs(after - plan["after"]["imbalance"]) > SLACK:
        problems.append(f"after.imbalance {plan['after']['imbalance']} does not match {after}")
    for zone, row in after_util.items():
        for resource, value in row.items():
            if abs(plan["after"]["zones"][zone][resource] - value) > SLACK:
                problems.append(f"after.zones.{zone}.{resource} does not match")
    if after > imbalance(before_util) + SLACK:
        problems.append("the plan raises the imbalance")
    return problems
