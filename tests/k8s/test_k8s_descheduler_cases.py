"""The descheduler's table cases end to end on the real control plane: plan with govcloud's planner,
apply by eviction (real PDB-free evictions, real ReplicaSet controller, real kube-scheduler steered by
the soft taint), then read the cluster back. Move counts and the zones' pod counts are printed."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from scheduler.adapters.kubernetes.executor import KubernetesExecutor
from scheduler.adapters.kubernetes.source import KubernetesSource
from scheduler.apply.applier import apply_plan
from scheduler.apply.journal import DONE, SKIPPED
from scheduler.model.imbalance import imbalance, zone_utilization
from scheduler.planning.rebalance import rebalance
from tests.k8s.conftest import Cluster

# A round's replacements land where the kube-scheduler puts them, so a later round may still have work.
ROUNDS = 6

CASES = {
    # name: (pods per zone, nodes per zone, node cpu, pod cpu, pods per zone expected after)
    "topology-spread-0-1-3-5": ([0, 1, 3, 5], 3, "4", "100m", None),
    "low-node-utilization-8x400m": ([8, 0, 0], 3, "4", "400m", None),
    # Safety rule 4 (docs/contracts.md): a move never puts two replicas of one group on one host. With
    # one node per zone, the empty zone can take one replica and no more: the plan stops after 1 move.
    "topology-spread-0-1-100-one-node-per-zone": ([0, 1, 100], 1, "32", "100m", [1, 1, 99]),
}


def cordon(cluster: Cluster, node: str, on: bool) -> None:
    cluster.core.patch_node(node, {"spec": {"unschedulable": on}})


def layout(
    cluster: Cluster, ns: str, counts: list[int], per_zone: int, cpu: str, pod_cpu: str
) -> dict[str, str]:
    """``per_zone`` nodes in each zone, filled zone by zone with replicas of one Deployment (the other
    zones cordoned meanwhile)."""
    nodes = {cluster.node(f"n{i}-{j}", f"zone-{i}", cpu=cpu, memory="64Gi", pods="250"): f"zone-{i}"
             for i in range(len(counts)) for j in range(per_zone)}  # fmt: skip
    cluster.nodes_ready()
    for node in nodes:
        cordon(cluster, node, True)
    cluster.deployment(ns, "app", 0, cpu=pod_cpu, memory="64Mi")
    total = 0
    for i, count in enumerate(counts):
        if not count:
            continue
        zone = [n for n, z in nodes.items() if z == f"zone-{i}"]
        for node in zone:
            cordon(cluster, node, False)
        cluster.nodes_ready(zone)  # the node lifecycle controller drops its unschedulable taint
        total += count
        cluster.apps.patch_namespaced_deployment_scale("app", ns, {"spec": {"replicas": total}})
        cluster.running(ns, "app=app", total, timeout=300)
        for node in zone:
            cordon(cluster, node, True)
    for node in nodes:
        cordon(cluster, node, False)
    cluster.nodes_ready()
    return nodes


def unready(cluster: Cluster, nodes: dict[str, str]) -> str:
    """Which of ``nodes`` do not take pods now, and why (for failure messages)."""
    why = []
    for name in nodes:
        spec = cluster.core.read_node(name).spec
        taints = [f"{t.key}:{t.effect}" for t in spec.taints or ()]
        if spec.unschedulable or taints:
            why.append(f"{name} cordoned={bool(spec.unschedulable)} taints={taints}")
    return "nodes not taking pods: " + ("; ".join(why) or "none")


def per_zone(cluster: Cluster, ns: str, nodes: dict[str, str]) -> list[int]:
    counts = Counter(nodes[p.spec.node_name] for p in cluster.core.list_namespaced_pod(ns).items)
    return [counts.get(zone, 0) for zone in sorted(set(nodes.values()))]


@pytest.mark.parametrize("case", list(CASES))
def test_descheduler_case_end_to_end(cluster: Cluster, case: str, tmp_path: Path) -> None:
    counts, per_zone_nodes, cpu, pod_cpu, expected = CASES[case]
    ns = cluster.namespace(case[:20])
    nodes = layout(cluster, ns, counts, per_zone_nodes, cpu, pod_cpu)
    assert per_zone(cluster, ns, nodes) == counts

    source = KubernetesSource(cluster.api)
    executor = KubernetesExecutor(cluster.api, timeout=120, poll=0.2)
    # Rounds as `govcloud serve` runs them: read, plan, apply. A replacement counts when it runs in the
    # planned zone, but the kube-scheduler picks the node in it: when that is not the planned node, a
    # later move of the round may become unsafe (two replicas of the group on one host) and is skipped;
    # the next round plans from where the pods really are.
    before = imbalance(zone_utilization(source.load()))
    rounds: list[str] = []
    t0 = time.monotonic()
    for round_no in range(ROUNDS):
        cluster.nodes_ready()  # as `serve` would, plan from a settled cluster
        plan = rebalance(source.load(), hosts=False)  # as serve plans for Kubernetes
        if not plan.moves:
            break
        report = apply_plan(plan, source, executor, journal=tmp_path / f"j{round_no}.jsonl", dry_run=False)
        bad = [(s.move.workload, s.status, s.reason) for s in report.steps if s.status not in (DONE, SKIPPED)]
        assert not bad, "nothing fails"
        done = sum(1 for s in report.steps if s.status == DONE)
        skipped = [s.reason for s in report.steps if s.status == SKIPPED]
        assert done >= 1, skipped
        rounds.append(f"round {round_no + 1}: planned {len(plan.moves)}, done {done}, skipped {skipped}")
        cluster.running(ns, "app=app", sum(counts), timeout=120)
    took = time.monotonic() - t0
    after = per_zone(cluster, ns, nodes)
    live = imbalance(zone_utilization(source.load()))
    print(f"\n[k8s] {case}: pods per zone {counts} -> {after} in {took:.1f}s; imbalance {before:.4f} -> "
          f"{live:.4f}; " + "; ".join(rounds))  # fmt: skip
    assert rounds, "the skewed layout needs moves"
    assert len(rounds) < ROUNDS, "converges: the last round plans nothing"
    if expected is None:
        assert max(after) - min(after) <= 1, (
            f"every zone has the same pod count, give or take one; {unready(cluster, nodes)}"
        )
    else:
        assert after == expected
    assert live < before
