"""LeaderLease against the real API server: one holder at a time, renewal, release, expiry."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

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


def start_serve(
    cluster: Cluster, tmp_path: Path, index: int, *extra: str
) -> tuple[subprocess.Popen[bytes], Path]:
    """``govcloud serve --kubernetes --apply`` as its own process (stderr to serveN.err)."""
    config = str(cluster.plane.kubeconfig("admin"))
    cmd = [sys.executable, "-m", "govcloud", "serve", "--kubernetes", "--kubeconfig", config, "--apply",
           "--interval", "1s", "--listen", f"127.0.0.1:{free_port()}", *extra]  # fmt: skip
    log = tmp_path / f"serve{index}.err"
    with log.open("w") as err:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT), log


def holder(cluster: Cluster, ns: str) -> str | None:
    return client.CoordinationV1Api(cluster.api).read_namespaced_lease("govcloud", ns).spec.holder_identity


def test_two_serve_replicas_one_applies_and_sigterm_hands_over(cluster: Cluster, tmp_path: Path) -> None:
    cluster.node("a1", "zone-a")
    cluster.node("b1", "zone-b")
    cluster.nodes_ready()
    ns = cluster.namespace("serve")
    lease = ("--leader-lease", f"{ns}/govcloud", "--lease-duration", "30s")
    started = [
        start_serve(cluster, tmp_path, i, "--journal", str(tmp_path / f"j{i}.jsonl"), *lease)
        for i in range(2)
    ]
    procs = [proc for proc, _ in started]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            logs = [log.read_text() for _, log in started]
            if sum("not applying" in log for log in logs) == 1 and all("planned" in log for log in logs):
                break
            assert all(p.poll() is None for p in procs), logs
            time.sleep(0.5)
        else:
            raise AssertionError(f"expected one standby: {logs}")
        standby = next(i for i in range(2) if "not applying" in logs[i])
        leader, other = procs[1 - standby], procs[standby]
        lease = client.CoordinationV1Api(cluster.api).read_namespaced_lease("govcloud", ns)
        assert lease.spec.holder_identity.endswith(f"-{leader.pid}")
        assert lease.spec.lease_duration_seconds == 30
        # SIGTERM: the leader releases the Lease on its way out, so the standby takes over at its next
        # iteration (interval 1s), not after the Lease's 30 s.
        t0 = time.monotonic()
        leader.send_signal(signal.SIGTERM)
        assert leader.wait(timeout=30) == 0
        while not (holder(cluster, ns) or "").endswith(f"-{other.pid}"):
            assert time.monotonic() - t0 < 10, f"no takeover within 10s: {holder(cluster, ns)!r}"
            time.sleep(0.1)
        took = time.monotonic() - t0
        print(f"\n[k8s] after SIGTERM the standby held the Lease in {took:.1f}s (Lease duration 30s)")
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
    assert holder(cluster, ns) is None, "the last replica released the Lease too"
