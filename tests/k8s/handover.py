"""Two ``govcloud serve --apply`` replicas with leader election and the journal in a ConfigMap, on six
single-replica Deployments all on zone-a's node: what the failover and the shutdown tests share."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.adapters.kubernetes.journal import ConfigMapJournal
from scheduler.apply.journal import DONE, RunState
from tests.k8s.conftest import Cluster, wait
from tests.k8s.test_k8s_lease import holder, start_serve

PODS = 6


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


def pod_name(workload: str) -> str:
    return workload.split("/", 1)[1]


@dataclass
class HandOver:
    """The laid-out namespace and its two replicas; every pod name ever seen is kept in ``seen``."""

    cluster: Cluster
    ns: str
    lease: int
    nodes: dict[str, str]
    initial: set[str]
    journal: ConfigMapJournal
    started: list[tuple[subprocess.Popen[str], Path]]
    seen: set[str] = field(default_factory=set)

    @classmethod
    def start(cls, cluster: Cluster, tmp_path: Path, name: str, lease: int) -> HandOver:
        ns = cluster.namespace(name)
        nodes = layout(cluster, ns)
        initial = set(pods(cluster, ns))
        options = ("--journal", f"configmap:{ns}/govcloud-journal", "--leader-lease", f"{ns}/govcloud",
                   "--lease-duration", f"{lease}s")  # fmt: skip
        started = [start_serve(cluster, tmp_path, i, *options) for i in range(2)]
        journal = ConfigMapJournal(cluster.api, ns, "govcloud-journal")
        return cls(cluster, ns, lease, nodes, initial, journal, started, set(initial))

    @property
    def procs(self) -> dict[int, subprocess.Popen[str]]:
        return {proc.pid: proc for proc, _ in self.started}

    def pods(self) -> dict[str, str | None]:
        """The namespace's pods now (and noted as seen)."""
        now = pods(self.cluster, self.ns)
        self.seen.update(now)
        return now

    def logs(self) -> str:
        return "\n".join(f"--- serve {i}\n{log.read_text()}" for i, (_, log) in enumerate(self.started))

    def mid_move(self) -> RunState:
        """Waits for the leader to be in the middle of a move; the run."""

        def in_flight() -> RunState | None:
            self.pods()
            assert all(p.poll() is None for p in self.procs.values()), self.logs()
            return mid_move(self.journal.read_runs())

        return wait("the leader in the middle of a move", in_flight, timeout=120, plane=self.cluster.plane)

    def leader(self, identity: str | None = None) -> int:
        """The pid of the replica holding the Lease (or named by the holder ``identity``)."""
        return int((identity or holder(self.cluster, self.ns) or "-0").rsplit("-", 1)[1])

    def standby_takes_over(self, leader_pid: int) -> int:
        """Waits for the other replica to hold the Lease; its pid."""
        (standby,) = [pid for pid in self.procs if pid != leader_pid]

        def taken_over() -> bool:
            self.pods()
            return (holder(self.cluster, self.ns) or "").endswith(f"-{standby}")

        wait("the standby holding the Lease", taken_over, timeout=self.lease + 30, plane=self.cluster.plane)
        return standby

    def resumed_run(self) -> RunState:
        """Waits for the run in the journal to end; the ended run."""

        def finished() -> list[RunState] | None:
            self.pods()
            runs = self.journal.read_runs()
            return runs if runs and runs[-1].ended else None

        return wait("the resumed run ended", finished, timeout=120, plane=self.cluster.plane)[-1]

    def settled(self) -> dict[str, str | None]:
        """The pods once all run and a few more iterations found nothing left to do."""
        self.cluster.running(self.ns, "", PODS, timeout=60)
        time.sleep(3)
        return self.pods()

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            proc.wait(timeout=30)

    def assert_each_planned_pod_moved_once(
        self, run: RunState, runs: list[RunState], resumed: RunState, final: dict[str, str | None]
    ) -> None:
        """``run`` (interrupted) resumed as ``resumed``, the only run of the journal's ``runs``, moved every
        planned pod exactly once, to [2, 2, 2] pods per zone."""
        planned = {pod_name(m.workload) for m in run.moves}
        assert [r.run for r in runs] == [run.run], "the standby resumed the same run, and started no other"
        assert {pod_name(o.move.workload): o.status for o in resumed.outcomes.values()} == dict.fromkeys(
            planned, DONE
        ), self.logs()
        replacements = set(final) - self.initial
        assert self.initial - set(final) == planned, "every planned pod evicted, no other"
        assert len(replacements) == len(planned), "one replacement per planned pod"
        assert self.seen - self.initial == replacements, "no replacement was evicted: no pod moved twice"
        assert sorted(Counter(self.nodes[n] for n in final.values() if n).values()) == [2, 2, 2]
