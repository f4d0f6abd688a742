"""What the applier and the Kubernetes source cost, apart from the cloud's own work.

    python -m bench.apply [--sizes 10000,100000] [--moves 50] [--pods 1000,5000]

1. Applier overhead per move (live re-read + safety re-check + two fsync'd journal records) on a
   synthetic inventory, with an in-process source/executor that does nothing but change the
   placement, so the figure is the applier's alone. Goal: well under 1 s per move at 100k workloads
   (a live migration or an eviction takes tens of seconds, so the applier must be noise).
2. KubernetesSource.load for clusters of N pods served from loopback through the real kubernetes
   client (deserialisation included). Goal: a 5,000-pod cluster in a few seconds.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from scheduler.apply.applier import apply_plan
from scheduler.apply.limits import ApplyLimits
from scheduler.model.inventory import Inventory, Workload
from scheduler.model.move import Move


class _LocalCloud:
    """Source and executor in one: moves are instant placement changes."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.workloads = list(inv.workloads)
        self.index = {w.name: i for i, w in enumerate(self.workloads)}
        self.loads = 0

    def load(self) -> Inventory:
        self.loads += 1
        return Inventory(self.inv.zones, self.inv.tenants, tuple(self.workloads))

    def migrate(self, move: Move) -> None:
        i = self.index[move.workload]
        w = self.workloads[i]
        self.workloads[i] = Workload(
            w.name, w.tenant, move.to_host, w.requests, w.group, w.allowed_zones, w.movable
        )


def bench_applier(workloads: int, moves: int) -> dict[str, Any]:
    from scheduler.model.synthetic import scale_inventory
    from scheduler.planning.rebalance import rebalance

    hosts, zones = max(1, workloads // 20), 6
    inv = scale_inventory(1, workloads=workloads, hosts=hosts, zones=zones)
    plan = rebalance(inv, max_moves=moves, time_limit=30.0)
    cloud = _LocalCloud(inv)
    with tempfile.TemporaryDirectory() as tmp:
        journal = Path(tmp) / "journal.jsonl"
        t0 = time.perf_counter()
        apply_plan(plan, cloud, cloud, journal=journal, limits=ApplyLimits())
        t1 = time.perf_counter()
        report = apply_plan(plan, cloud, cloud, journal=journal, limits=ApplyLimits(), dry_run=False)
        t2 = time.perf_counter()
        size = journal.stat().st_size
    done = report.count("done")
    return {
        "workloads": workloads,
        "moves": len(plan.moves),
        "done": done,
        "dry_s": t1 - t0,
        "apply_s": t2 - t1,
        "per_move_ms": 1000 * (t2 - t1) / max(1, len(plan.moves)),
        "loads": cloud.loads,
        "journal_kib": size / 1024,
        "imbalance": f"{report.before:.3f} -> {report.after:.3f}",
    }


def _cluster(pods: int) -> dict[str, bytes]:
    """NodeList and PodList JSON for a cluster of ``pods`` pods on pods/30 nodes in 3 zones."""
    nodes = max(3, pods // 30)
    node_items = [
        {
            "metadata": {
                "name": f"n{i}",
                "uid": f"node-{i}",
                "labels": {"topology.kubernetes.io/zone": f"zone-{i % 3}", "kubernetes.io/hostname": f"n{i}"},
            },
            "spec": {},
            "status": {"allocatable": {"cpu": "32", "memory": "128Gi", "pods": "110"}},
        }
        for i in range(nodes)
    ]
    pod_items = [
        {
            "metadata": {
                "name": f"app{i // 3}-5d8f-{i:05d}",
                "namespace": f"ns{i % 20}",
                "uid": f"pod-{i}",
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": f"app{i // 3}-5d8f",
                        "uid": f"rs-{i // 3}",
                        "controller": True,
                    }
                ],
            },
            "spec": {
                "nodeName": f"n{(i * 7) % nodes}",
                "containers": [
                    {
                        "name": "app",
                        "image": "app:1",
                        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}},
                    },
                    {
                        "name": "proxy",
                        "image": "proxy:1",
                        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                    },
                ],
                "initContainers": [
                    {
                        "name": "init",
                        "image": "init:1",
                        "resources": {"requests": {"cpu": "1", "memory": "64Mi"}},
                    }
                ],
            },
            "status": {"phase": "Running"},
        }
        for i in range(pods)
    ]

    def listing(kind: str, items: list[Any]) -> bytes:
        return json.dumps({"kind": kind, "apiVersion": "v1", "metadata": {}, "items": items}).encode()

    empty = {
        "/api/v1/namespaces": listing("NamespaceList", [{"metadata": {"name": f"ns{i}"}} for i in range(20)]),
        "/api/v1/resourcequotas": listing("ResourceQuotaList", []),
        "/apis/apps/v1/replicasets": listing("ReplicaSetList", []),
        "/api/v1/persistentvolumeclaims": listing("PersistentVolumeClaimList", []),
        "/api/v1/persistentvolumes": listing("PersistentVolumeList", []),
    }
    return {
        "/api/v1/nodes": listing("NodeList", node_items),
        "/api/v1/pods": listing("PodList", pod_items),
        **empty,
    }


def bench_kubernetes(pods: int) -> dict[str, Any]:
    from kubernetes import client

    from scheduler.adapters.kubernetes.source import KubernetesSource

    bodies = _cluster(pods)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = bodies.get(self.path.split("?")[0], b"{}")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = client.Configuration()
    config.host = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with client.ApiClient(config) as api:
            t0 = time.perf_counter()
            inv = KubernetesSource(api).load()
            seconds = time.perf_counter() - t0
    finally:
        server.shutdown()
        server.server_close()
    return {
        "pods": pods,
        "nodes": len(inv.hosts),
        "payload_mib": sum(len(b) for b in bodies.values()) / 2**20,
        "load_s": seconds,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.apply", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="workload counts for the applier")
    parser.add_argument("--moves", type=int, default=50, help="plan length for the applier")
    parser.add_argument("--pods", default="1000,5000", help="pod counts for the Kubernetes source")
    args = parser.parse_args(argv)
    console = Console(width=150)

    table = Table(title="Applier overhead per move (in-process cloud; journal fsync'd)", title_justify="left")
    columns = (
        "workloads",
        "moves",
        "done",
        "dry_s",
        "apply_s",
        "per_move_ms",
        "loads",
        "journal_kib",
        "imbalance",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for size in (int(s) for s in args.sizes.split(",") if s):
        row = bench_applier(size, args.moves)
        table.add_row(*(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in columns))
    console.print(table)

    table = Table(
        title="KubernetesSource.load through the kubernetes client (loopback)", title_justify="left"
    )
    columns = ("pods", "nodes", "payload_mib", "load_s")
    for column in columns:
        table.add_column(column, justify="right")
    for pods in (int(p) for p in args.pods.split(",") if p):
        row = bench_kubernetes(pods)
        table.add_row(*(f"{row[c]:.2f}" if isinstance(row[c], float) else str(row[c]) for c in columns))
    console.print(table)


if __name__ == "__main__":
    main()
