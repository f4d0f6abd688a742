"""Two ``govcloud serve --apply`` replicas with leader election and the journal in a ConfigMap: the
leader is killed (SIGKILL) in the middle of a move, the standby takes over once the Lease expires,
resumes the same run from the in-cluster journal and finishes it. Every planned pod is evicted exactly
once: none twice (no replacement ever disappears), none forgotten (every planned pod is gone)."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from kubernetes import client

from scheduler.adapters.kubernetes.executor import STEER_TAINT
from scheduler.adapters.kubernetes.journal import ConfigMapJournal
from scheduler.apply.journal import DONE, RunState
from tests.k8s.conftest import Cluster, wait
from tests.k8s.test_k8s_lease import holder, start_serve

PODS = 6
LEASE = 8  # seconds; longer than one move (about 2-4 s with the executor's 2 s polls)


def layout(cluster: Cluster, ns: str) -> dict[str, str]:
    """One node per zone; six single-replica Deployments (six groups), all on zone-a's node."""
    nodes = {cluster.node(f"{z}1", f"zone-{z}"): f"zone-{z}" for z in "abc"}
    cluster.nodes_ready()
    for node in list(nodes)[1:]:
        cluster.core.patch_node(node, {"spec": {"unschedulable": True}})
    for i in range(PODS):
        cluster.deployment(ns, f"app{i}", 1)
    cluster.running(ns, "", PODS, timeout=120)
    for node in list(nodes)[1:]:
        cluster.core.patch_node(node, {"spec": {"unschedulable": False}})
    cluster.nodes_ready()
    return nodes


def pods(cluster: Cluster, ns: str) -> dict[str, str | None]:
    return {p.metadata.name: p.spec.node_name for p in cluster.core.list_namespaced_pod(ns).items}


def mid_move(runs: list[RunState]) -> RunState | None:
    """The run when a move is in flight after at least one is done, with moves still to start."""
    if len(runs) != 1 or runs[0].ended:
        return None
    run = runs[0]
    done = [o for o in run.outcomes.values() if o.status == DONE]
    return run if done and run.open_intents and len(run.intents) < len(run.moves) else None


def test_leader_killed_mid_plan_standby_resumes_from_the_configmap(cluster: Cluster, tmp_path: Path) -> None:
    ns = cluster.namespace("failover")
    nodes = layout(cluster, ns)
    initial = set(pods(cluster, ns))
    seen = set(initial)
    journal = ConfigMapJournal(cluster.api, ns, "govcloud-journal")
    options = ("--journal", f"configmap:{ns}/govcloud-journal", "--leader-lease", f"{ns}/govcloud",
               "--lease-duration", f"{LEASE}s")  # fmt: skip
    started = [start_serve(cluster, tmp_path, i, *options) for i in range(2)]
    procs = {proc.pid: proc for proc, _ in started}
    logs = lambda: "\n".join(f"--- serve {i}\n{log.read_text()}" for i, (_, log) in enumerate(started))  # noqa: E731
    try:

        def in_flight() -> RunState | None:
            seen.update(pods(cluster, ns))
            assert all(p.poll() is None for p in procs.values()), logs()
            return mid_move(journal.read_runs())

        run = wait("the leader in the middle of a move", in_flight, timeout=120, plane=cluster.plane)
        planned = {m.workload.split("/", 1)[1] for m in run.moves}
        lease = client.CoordinationV1Api(cluster.api).read_namespaced_lease("govcloud", ns)
        leader_pid = int((lease.spec.holder_identity or "-0").rsplit("-", 1)[1])
        leader = procs[leader_pid]
        leader.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        renewed = lease.spec.renew_time  # the dead leader's last renewal
        leader.wait(timeout=10)
        (flight,) = [m.workload.split("/", 1)[1] for m, _ in run.open_intents]
        evicted_before_kill = flight not in pods(cluster, ns)
        (standby,) = [pid for pid in procs if pid != leader_pid]

        def taken_over() -> bool:
            seen.update(pods(cluster, ns))
            return (holder(cluster, ns) or "").endswith(f"-{standby}")

        wait("the standby holding the Lease", taken_over, timeout=LEASE + 30, plane=cluster.plane)
        takeover = time.monotonic() - killed
        expired_for = (datetime.now(UTC) - renewed).total_seconds() - LEASE

        def finished() -> list[RunState] | None:
            seen.update(pods(cluster, ns))
            runs = journal.read_runs()
            return runs if runs and runs[-1].ended else None

        (resumed,) = wait("the resumed run ended", finished, timeout=120, plane=cluster.plane)
        cluster.running(ns, "", PODS, timeout=60)
        time.sleep(3)  # a few more iterations: they must find nothing left to do
        seen.update(pods(cluster, ns))
        final = pods(cluster, ns)
        runs = journal.read_runs()
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            proc.wait(timeout=30)
    print(f"\n[k8s] leader killed with {len(run.outcomes)} of {len(planned)} moves settled and one in "
          f"flight; standby held the Lease {takeover:.1f}s later, {expired_for:.1f}s after the Lease "
          f"({LEASE}s) ran out; the pod in flight was {'' if evicted_before_kill else 'not yet '}evicted "
          "when the leader died")  # fmt: skip
    assert takeover <= LEASE + 5, "taken over within the Lease duration (plus a standby iteration)"
    assert expired_for <= 3, "the standby takes an expired Lease at its next iteration (interval 1s)"
    assert [r.run for r in runs] == [run.run], "the standby resumed the same run, and started no other"
    assert {o.move.workload.split("/", 1)[1]: o.status for o in resumed.outcomes.values()} == dict.fromkeys(
        planned, DONE
    ), logs()
    replacements = set(final) - initial
    assert initial - set(final) == planned, "every planned pod evicted, no other"
    assert len(replacements) == len(planned), "one replacement per planned pod"
    assert seen - initial == replacements, "no replacement was evicted: no pod moved twice"
    assert sorted(Counter(nodes[n] for n in final.values() if n).values()) == [2, 2, 2]
    taints = {n: [t.key for t in cluster.core.read_node(n).spec.taints or ()] for n in nodes}
    assert not any(STEER_TAINT in keys for keys in taints.values()), taints
