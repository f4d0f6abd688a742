"""SIGTERM to the leader of two ``govcloud serve --apply`` replicas in the middle of a run: it finishes
the move in flight, journals it, starts no further move, releases its Lease and exits 0 at once; the
standby takes the Lease at once (long before it would expire), resumes the same run from the ConfigMap
journal and finishes it. Every planned pod is evicted exactly once."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

from kubernetes import client

from tests.k8s.conftest import Cluster
from tests.k8s.handover import HandOver, pod_name

LEASE = 120  # seconds: a takeover after expiry would take this long; a released Lease is taken at once


def test_sigterm_to_the_leader_mid_run_hands_over_at_once(cluster: Cluster, tmp_path: Path) -> None:
    two = HandOver.start(cluster, tmp_path, "shutdown", LEASE)
    try:
        run = two.mid_move()
        planned = {pod_name(m.workload) for m in run.moves}
        leader_pid = two.leader()
        leader = two.procs[leader_pid]
        leader.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        code = leader.wait(timeout=60)
        exited = time.monotonic() - signalled
        assert code == 0, two.logs()
        standby = two.standby_takes_over(leader_pid)
        takeover = time.monotonic() - signalled
        resumed = two.resumed_run()
        ended = time.monotonic() - signalled
        final = two.settled()
        runs = two.journal.read_runs()
        lease = client.CoordinationV1Api(cluster.api).read_namespaced_lease("govcloud", two.ns)
        # The journal is the standby's by now: what the leader did is read from its own log.
        said = {proc.pid: log.read_text() for proc, log in two.started}
    finally:
        two.stop()
    stopping = re.search(r"stopping: stop requested: (\d+) moves left to resume", said[leader_pid])
    assert stopping, two.logs()
    left = int(stopping.group(1))
    print(f"\n[k8s] SIGTERM to the leader with {len(run.outcomes)} of {len(planned)} moves settled and one "
          f"in flight: it exited 0 after {exited:.1f}s leaving {left} moves to resume; the standby held "
          f"the Lease {takeover:.1f}s after the signal (Lease {LEASE}s) and ended the run {ended:.1f}s "
          "after it")  # fmt: skip
    done = {pid: set(re.findall(r"^done: \S+/(\S+) ", text, re.MULTILINE)) for pid, text in said.items()}
    (flight,) = [pod_name(m.workload) for m, _ in run.open_intents]
    assert flight in done[leader_pid], "the move in flight at the signal was finished by the leader"
    assert left >= 1 and len(done[standby]) == left, "the leader stopped before the end; the standby resumed"
    assert done[leader_pid] | done[standby] == planned and not done[leader_pid] & done[standby], two.logs()
    assert exited < 20, "the leader exits after one move, not the whole run"
    assert takeover < 10, "a released Lease is taken at the standby's next iteration, not at expiry"
    assert lease.spec.lease_transitions == 1, "one hand-over"
    two.assert_each_planned_pod_moved_once(run, runs, resumed, final)
