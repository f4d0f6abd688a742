"""KubernetesExecutor and the applier against a real control plane: policy/v1 evictions against real
PodDisruptionBudgets (the real disruption controller), replacements created by the real ReplicaSet
controller and placed by the real kube-scheduler."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scheduler.adapters.kubernetes.executor import STEER_TAINT, KubernetesExecutor
from scheduler.adapters.kubernetes.pods import ZONE_LABEL
from scheduler.adapters.kubernetes.source import KubernetesSource
from scheduler.apply.applier import apply_plan
from scheduler.apply.executor import MoveDeferred, MoveFailed
from scheduler.apply.journal import DONE, SKIPPED
from scheduler.apply.report import WOULD_MOVE
from scheduler.model.move import Move
from scheduler.model.plan import Plan, Snapshot
from tests.k8s.conftest import Cluster, wait
from tests.k8s.control_plane import ROOT


def pdb(cluster: Cluster, namespace: str, app: str, min_available: int, allowed: int) -> None:
    cluster.policy.create_namespaced_pod_disruption_budget(
        namespace,
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": app},
            "spec": {"minAvailable": min_available, "selector": {"matchLabels": {"app": app}}},
        },
    )

    def computed() -> bool:
        status = cluster.policy.read_namespaced_pod_disruption_budget(app, namespace).status
        return bool(status and status.observed_generation and status.disruptions_allowed == allowed)

    wait(f"PDB {app}: disruptionsAllowed={allowed}", computed, plane=cluster.plane)


def zone_of(cluster: Cluster, node: str) -> str:
    return cluster.core.read_node(node).metadata.labels[ZONE_LABEL]


def no_steering_left(cluster: Cluster) -> bool:
    return not any(t.key == STEER_TAINT for n in cluster.core.list_node().items for t in n.spec.taints or ())


def move_of(cluster: Cluster, pod, to_host: str) -> Move:  # type: ignore[no-untyped-def]
    ns = pod.metadata.namespace
    node = pod.spec.node_name
    return Move(
        f"{ns}/{pod.metadata.name}", ns, node, to_host, zone_of(cluster, node), zone_of(cluster, to_host)
    )


def test_move_counts_when_the_replacement_runs_in_the_planned_zone(cluster: Cluster) -> None:
    # zone-a has roomy nodes, zone-b's are mostly full: left alone, the kube-scheduler's
    # least-allocated scoring puts a replacement back into zone-a.
    a1, a2 = (
        cluster.node("a1", "zone-a", cpu="16", memory="64Gi"),
        cluster.node("a2", "zone-a", cpu="16", memory="64Gi"),
    )
    cluster.nodes_ready()
    ns = cluster.namespace("exec")
    cluster.deployment(ns, "web", 2, cpu="200m")
    pods = cluster.running(ns, "app=web", 2)
    assert {p.spec.node_name for p in pods} <= {a1, a2}
    b1, b2 = cluster.node("b1", "zone-b"), cluster.node("b2", "zone-b")
    cluster.nodes_ready()
    cluster.deployment(ns, "filler", 2, cpu="3", pod_spec={"nodeSelector": {ZONE_LABEL: "zone-b"}})
    cluster.running(ns, "app=filler", 2)
    pdb(cluster, ns, "web", 1, allowed=1)

    plain = KubernetesExecutor(cluster.api, timeout=60, poll=0.2, steer=False)
    with pytest.raises(MoveFailed, match=r"placed its replacement .* in zone zone-a, not in zone-b"):
        plain.migrate(move_of(cluster, pods[0], b1))
    print(f"\n[k8s] unsteered: {plain.log}")

    pods = cluster.running(ns, "app=web", 2)
    # A leftover of an interrupted run on a node outside the target zone (and one inside it).
    leftover = {"effect": "PreferNoSchedule", "key": STEER_TAINT, "value": "elsewhere"}
    for node in (a2, b2):
        cluster.core.patch_node(node, {"spec": {"taints": [leftover]}})
    steered = KubernetesExecutor(cluster.api, timeout=60, poll=0.2)
    t0 = time.monotonic()
    steered.migrate(move_of(cluster, pods[0], b1))
    print(f"[k8s] steered in {time.monotonic() - t0:.1f}s: {steered.log}")
    after = cluster.running(ns, "app=web", 2)
    moved = [p for p in after if p.metadata.name not in {q.metadata.name for q in pods}]
    assert len(moved) == 1 and moved[0].spec.node_name in {b1, b2}
    assert no_steering_left(cluster), "the steering taints, leftovers too, are gone once it is bound"
    assert "steering away from" in steered.log[0]
    assert steered.log[-1].endswith("(zone-b)")


@pytest.fixture
def two_apps(cluster: Cluster) -> tuple[str, list, list]:  # type: ignore[type-arg]
    """db: 1 replica under a PDB that allows no disruption; web: 2 replicas, PDB allows 1; all in zone-a."""
    cluster.node("a1", "zone-a")
    cluster.nodes_ready()
    ns = cluster.namespace("pdb")
    cluster.deployment(ns, "db", 1)
    cluster.deployment(ns, "web", 2)
    db, web = cluster.running(ns, "app=db", 1), cluster.running(ns, "app=web", 2)
    cluster.node("b1", "zone-b")
    cluster.nodes_ready()
    pdb(cluster, ns, "db", 1, allowed=0)
    pdb(cluster, ns, "web", 1, allowed=1)
    return ns, db, web


def plan_of(cluster: Cluster, moves: tuple[Move, ...]) -> tuple[Plan, KubernetesSource]:
    source = KubernetesSource(cluster.api)
    inv = source.load()
    after = inv.with_placement({m.workload: m.to_host for m in moves})
    return Plan(moves, Snapshot.of(inv), Snapshot.of(after)), source


def test_pdb_refusal_is_shown_by_server_dry_run_then_deferred_and_the_run_goes_on(
    cluster: Cluster,
    two_apps: tuple[str, list, list],
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    ns, db, web = two_apps
    b1 = next(n for n in cluster.nodes if n.startswith("b1-"))
    moves = (move_of(cluster, db[0], b1), move_of(cluster, web[0], b1))
    plan, source = plan_of(cluster, moves)
    executor = KubernetesExecutor(cluster.api, timeout=60, poll=0.2)

    dry = apply_plan(plan, source, executor, journal=tmp_path / "j.jsonl", server_dry_run=True)
    got = [(s.move.workload, s.status, s.reason or "") for s in dry.steps]
    assert [g[:2] for g in got] == [(moves[0].workload, SKIPPED), (moves[1].workload, WOULD_MOVE)]
    assert got[0][2].startswith("deferred: eviction of") and "server-side dry run" in got[0][2]
    assert "disruption budget" in got[0][2]
    uids = {p.metadata.uid for p in cluster.core.list_namespaced_pod(ns).items}
    assert uids == {p.metadata.uid for p in db + web}, "a server-side dry run evicts nothing"

    t0 = time.monotonic()
    report = apply_plan(plan, source, executor, journal=tmp_path / "j.jsonl", dry_run=False)
    took = time.monotonic() - t0
    got = [(s.move.workload, s.status) for s in report.steps]
    assert got == [(moves[0].workload, SKIPPED), (moves[1].workload, DONE)]
    assert report.steps[0].reason.startswith("deferred: eviction of")
    assert took < 45, "a PDB refusal defers at once instead of blocking until the timeout"
    assert cluster.core.read_namespaced_pod(db[0].metadata.name, ns).spec.node_name == db[0].spec.node_name
    new = next(p for p in cluster.running(ns, "app=web", 2) if p.metadata.name != web[1].metadata.name)
    assert zone_of(cluster, new.spec.node_name) == "zone-b"
    print(f"\n[k8s] applied in {took:.1f}s: {[(s.move.workload, s.status, s.reason) for s in report.steps]}")


def test_executor_defers_at_once_on_a_pdb_refusal(cluster: Cluster, two_apps: tuple[str, list, list]) -> None:  # type: ignore[type-arg]
    _, db, _ = two_apps
    b1 = next(n for n in cluster.nodes if n.startswith("b1-"))
    executor = KubernetesExecutor(cluster.api, timeout=60, poll=0.2)
    with pytest.raises(
        MoveDeferred, match="Cannot evict pod as it would violate the pod's disruption budget"
    ):
        executor.migrate(move_of(cluster, db[0], b1))
    assert no_steering_left(cluster)


def test_cli_server_dry_run_shows_pdb_refusals(
    cluster: Cluster, two_apps: tuple[str, list, list], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    ns, db, web = two_apps
    cmd = [sys.executable, "-m", "govcloud", "rebalance", "--kubernetes", "--kubeconfig",
           str(cluster.plane.kubeconfig("admin")), "--journal", str(tmp_path / "j.jsonl"), "--json",
           "--dry-run=server"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    steps = [s for s in json.loads(done.stdout)["apply"]["steps"] if s["workload"].startswith(ns + "/")]
    print(
        f"\n[k8s] rebalance --dry-run=server: {[(s['workload'], s['status'], s.get('reason')) for s in steps]}"
    )
    assert steps, "the plan moves pods of this test"
    for step in steps:
        if step["workload"].startswith(f"{ns}/db-"):
            assert step["status"] == SKIPPED and "disruption budget" in step["reason"]
        else:
            assert step["status"] == WOULD_MOVE
    uids = {p.metadata.uid for p in cluster.core.list_namespaced_pod(ns).items}
    assert uids == {p.metadata.uid for p in db + web}, "nothing was evicted"
