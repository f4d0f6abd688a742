"""LeaderLease against the real API server: one holder at a time, renewal, release, expiry."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from kubernetes import client

from scheduler.adapters.kubernetes.lease import LeaderLease
from tests.k8s.conftest import Cluster
from tests.k8s.control_plane import ROOT, free_port


def test_one_leader_at_a_time_with_release_and_expiry(cluster: Cluster) -> None:
    ns = cluster.namespace("lease")
    a = LeaderLease(cluster.api, ns, "govcloud", "replica-a", duration=2)
    b = LeaderLease(cluster.api, ns, "govcloud", "replica-b", duration=2)
    assert a.acquire() is True, "a free Lease is taken"
    assert b.acquire() is False, "held and fresh: the standby waits"
    assert a.acquire() is True, "the holder renews"
    a.release()
    assert b.acquire() is True, "released: the standby takes over at once"
    assert a.acquire() is False
    time.sleep(2.5)  # b stops renewing
    assert a.acquire() is True, "expired: taken over"
    lease = a.api.read_namespaced_lease("govcloud", ns)
    assert lease.spec.holder_identity == "replica-a"
    assert lease.spec.lease_transitions == 2


def test_two_serve_replicas_one_applies(cluster: Cluster, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cluster.node("a1", "zone-a")
    cluster.node("b1", "zone-b")
    cluster.nodes_ready()
    ns = cluster.namespace("serve")
    config = str(cluster.plane.kubeconfig("admin"))
    procs = []
    for i in range(2):
        cmd = [sys.executable, "-m", "govcloud", "serve", "--kubernetes", "--kubeconfig", config, "--apply",
               "--journal", str(tmp_path / f"j{i}.jsonl"), "--interval", "1s",
               "--listen", f"127.0.0.1:{free_port()}", "--leader-lease", f"{ns}/govcloud"]  # fmt: skip
        err = (tmp_path / f"serve{i}.err").open("w")
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT))
        err.close()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            logs = [(tmp_path / f"serve{i}.err").read_text() for i in range(2)]
            if sum("not applying" in log for log in logs) == 1 and all("planned" in log for log in logs):
                break
            assert all(p.poll() is None for p in procs), logs
            time.sleep(0.5)
        else:
            raise AssertionError(f"expected one standby: {logs}")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
    lease = client.CoordinationV1Api(cluster.api).read_namespaced_lease("govcloud", ns)
    standby = next(i for i in range(2) if "not applying" in logs[i])
    leader = procs[1 - standby]
    assert lease.spec.holder_identity.endswith(f"-{leader.pid}")
    assert lease.spec.lease_duration_seconds == 60
