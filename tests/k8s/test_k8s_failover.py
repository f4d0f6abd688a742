"""Two ``govcloud serve --apply`` replicas with leader election and the journal in a ConfigMap: the
leader is killed (SIGKILL) in the middle of a move, the standby takes over once the Lease expires,
resumes the same run from the in-cluster journal and finishes it. Every planned pod is evicted exactly
once: none twice (no replacement ever disappears), none forgotten (every planned pod is gone)."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime
from pathlib import Path

from kubernetes import client

from scheduler.adapters.kubernetes.executor import STEER_TAINT
from tests.k8s.conftest import Cluster
from tests.k8s.handover import HandOver, pod_name, pods

LEASE = 8  # seconds; longer than one move (about 2-4 s with the executor's 2 s polls)


def test_leader_killed_mid_plan_standby_resumes_from_the_configmap(cluster: Cluster, tmp_path: Path) -> None:
    two = HandOver.start(cluster, tmp_path, "failover", LEASE)
    try:
        run = two.mid_move()
        planned = {pod_name(m.workload) for m in run.moves}
        lease = client.CoordinationV1Api(cluster.api).read_namespaced_lease("govcloud", two.ns)
        leader_pid = two.leader(lease.spec.holder_identity)
        leader = two.procs[leader_pid]
        leader.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        renewed = lease.spec.renew_time  # the dead leader's last renewal
        leader.wait(timeout=10)
        (flight,) = [pod_name(m.workload) for m, _ in run.open_intents]
        evicted_before_kill = flight not in pods(cluster, two.ns)
        two.standby_takes_over(leader_pid)
        takeover = time.monotonic() - killed
        expired_for = (datetime.now(UTC) - renewed).total_seconds() - LEASE
        resumed = two.resumed_run()
        final = two.settled()
        runs = two.journal.read_runs()
    finally:
        two.stop()
    print(f"\n[k8s] leader killed with {len(run.outcomes)} of {len(planned)} moves settled and one in "
          f"flight; standby held the Lease {takeover:.1f}s later, {expired_for:.1f}s after the Lease "
          f"({LEASE}s) ran out; the pod in flight was {'' if evicted_before_kill else 'not yet '}evicted "
          "when the leader died")  # fmt: skip
    assert takeover <= LEASE + 5, "taken over within the Lease duration (plus a standby iteration)"
    assert expired_for <= 3, "the standby takes an expired Lease at its next iteration (interval 1s)"
    two.assert_each_planned_pod_moved_once(run, runs, resumed, final)
    taints = {n: [t.key for t in cluster.core.read_node(n).spec.taints or ()] for n in two.nodes}
    assert not any(STEER_TAINT in keys for keys in taints.values()), taints
