"""SIGTERM to the leader of two ``govcloud serve --apply`` replicas in the middle of a run: it finishes
the move in flight, journals it, starts no further move, releases its Lease and exits 0 at once; the
standby takes the Lease at once (long before it would expire), resumes the same run from the ConfigMap
journal and finishes it. Every planned pod is evicted exactly once."""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from pathlib import Path

from kubernetes import client

from scheduler.adapters.kubernetes.journal import ConfigMapJournal
from scheduler.apply.journal import DONE, RunState
from tests.k8s.conftest import Cluster, wait
from tests.k8s.test_k8s_failover import PODS, layout, mid_move, pods
from tests.k8s.test_k8s_lease import holder, start_serve

LEASE = 120  # seconds: a takeover after expiry would take this long; a released Lease is taken at once


def test_sigterm_to_the_leader_mid_run_hands_over_at_once(cluster: Cluster, tmp_path: Path) -> None:
    ns = cluster.namespace("shutdown")
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
        leader_pid = int((holder(cluster, ns) or "-0").rsplit("-", 1)[1])
        leader = procs[leader_pid]
        leader.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        code = leader.wait(timeout=60)
        exited = time.monotonic() - signalled
        assert code == 0, logs()
        (standby,) = [pid for pid in procs if pid != leader_pid]

        def taken_over() -> bool:
            seen.update(pods(cluster, ns))
            return (holder(cluster, ns) or "").endswith(f"-{standby}")

        wait("the standby holding the Lease", taken_over, timeout=LEASE + 30, plane=cluster.plane)
        takeover = time.monotonic() - signalled

        def finished() -> list[RunState] | None:
            seen.update(pods(cluster, ns))
            runs = journal.read_runs()
            return runs if runs and runs[-1].ended else None

        (resumed,) = wait("the resumed run ended", finished, timeout=120, plane=cluster.plane)
        ended = time.monotonic() - signalled
        cluster.running(ns, "", PODS, timeout=60)
        time.sleep(3)  # a few more iterations: they must find nothing left to do
        seen.update(pods(cluster, ns))
        final = pods(cluster, ns)
        runs = journal.read_runs()
        lease = client.CoordinationV1Api(cluster.api).read_namespaced_lease("govcloud", ns)
        # The journal is the standby's by now: what the leader did is read from its own log.
        said = {pid: log.read_text() for (proc, log), pid in zip(started, procs, strict=True)}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            proc.wait(timeout=30)
    stopping = re.search(r"stopping: stop requested: (\d+) moves left to resume", said[leader_pid])
    assert stopping, logs()
    left = int(stopping.group(1))
    print(f"\n[k8s] SIGTERM to the leader with {len(run.outcomes)} of {len(planned)} moves settled and one "
          f"in flight: it exited 0 after {exited:.1f}s leaving {left} moves to resume; the standby held "
          f"the Lease {takeover:.1f}s after the signal (Lease {LEASE}s) and ended the run {ended:.1f}s "
          "after it")  # fmt: skip
    done = {pid: set(re.findall(r"^done: \S+/(\S+) ", text, re.MULTILINE)) for pid, text in said.items()}
    (flight,) = [m.workload.split("/", 1)[1] for m, _ in run.open_intents]
    assert flight in done[leader_pid], "the move in flight at the signal was finished by the leader"
    assert left >= 1 and len(done[standby]) == left, "the leader stopped before the end; the standby resumed"
    assert done[leader_pid] | done[standby] == planned and not done[leader_pid] & done[standby], logs()
    assert exited < 20, "the leader exits after one move, not the whole run"
    assert takeover < 10, "a released Lease is taken at the standby's next iteration, not at expiry"
    assert lease.spec.lease_transitions == 1, "one hand-over"
    assert [r.run for r in runs] == [run.run], "the standby resumed the same run, and started no other"
    assert {o.move.workload.split("/", 1)[1]: o.status for o in resumed.outcomes.values()} == dict.fromkeys(
        planned, DONE
    ), logs()
    replacements = set(final) - initial
    assert initial - set(final) == planned, "every planned pod evicted, no other"
    assert len(replacements) == len(planned), "one replacement per planned pod"
    assert seen - initial == replacements, "no replacement was evicted: no pod moved twice"
    assert sorted(Counter(nodes[n] for n in final.values() if n).values()) == [2, 2, 2]
