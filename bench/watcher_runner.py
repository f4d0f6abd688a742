"""Run one OpenStack Watcher strategy on an inventory, in-process, as Watcher's own unit tests do:
a synthetic compute model (ModelRoot with nodes and instances) and a fake metrics source in which
every instance uses all it requests. Runs under a Python that has ``python-watcher`` installed (see
bench/peer.py); reads {"inventory": ..., "strategy": ...} on stdin, prints the moves as JSON.

Standalone on purpose: it imports nothing from this project.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
import warnings
from unittest import mock

warnings.filterwarnings("ignore")

from watcher.common import utils  # noqa: E402
from watcher.decision_engine.model import element, model_root  # noqa: E402
from watcher.decision_engine.strategy import strategies  # noqa: E402

PROJECT = "91fffe30-78a0-4152-acd2-8310ff274dc9"


def pick(amounts: dict, *names: str) -> float:
    for name in names:
        if name in amounts:
            return float(amounts[name])
    return 0.0


def build(inventory: dict) -> tuple[model_root.ModelRoot, dict, dict]:
    model = model_root.ModelRoot()
    names = {}
    for zone in inventory["zones"]:
        for host in zone["hosts"]:
            cap = host["capacity"]
            node = element.ComputeNode(
                uuid=host["name"],
                hostname=host["name"],
                vcpus=int(pick(cap, "cpu", "vcpu")),
                memory=int(pick(cap, "memory_gib", "ram_gib") * 1024),
                disk=1000,
                memory_mb_reserved=0,
                disk_gb_reserved=0,
                vcpu_reserved=0,
                memory_ratio=1.0,
                vcpu_ratio=1.0,
                disk_ratio=1.0,
                status="enabled" if host.get("schedulable", True) else "disabled",
                state="up",
            )
            model.add_node(node)
    for w in inventory["workloads"]:
        ident = str(uuid.uuid5(uuid.NAMESPACE_URL, w["name"]))
        names[ident] = w["name"]
        req = w.get("requests", {})
        instance = element.Instance(
            uuid=ident,
            name=w["name"],
            vcpus=int(pick(req, "vcpu", "cpu")),
            memory=int(pick(req, "ram_gib", "memory_gib") * 1024),
            disk=10,
            project_id=PROJECT,
            state="active",
            metadata={},
            watcher_exclude=not w.get("movable", True),
        )
        model.add_instance(instance)
        model.map_instance(instance, model.get_node_by_uuid(w["host"]))
    return model, names, {}


class FakeMetrics:
    """Every instance busy at its full request; host metrics are the sums."""

    NAME = "fake"

    def __init__(self, model: model_root.ModelRoot) -> None:
        self.model = model

    def statistic_aggregation(self, resource, resource_type, meter_name, period, aggregate, granularity):
        if resource_type == "instance":
            if meter_name == "instance_cpu_usage":
                return 100.0
            if meter_name == "instance_ram_usage":
                return float(resource.memory)
        if resource_type == "compute_node":
            instances = self.model.get_node_instances(resource)
            if meter_name == "host_cpu_usage":
                return 100.0 * sum(i.vcpus for i in instances) / max(1, resource.vcpus)
            if meter_name == "host_ram_usage":
                return float(sum(i.memory for i in instances)) * 1024  # KiB
        return None


def run(inventory: dict, strategy_name: str, rounds: int, max_seconds: float | None = None) -> dict:
    model, names, _ = build(inventory)
    metrics = FakeMetrics(model)
    cls = {
        "workload_stabilization": strategies.WorkloadStabilization,
        "workload_balance": strategies.WorkloadBalance,
    }[strategy_name]
    moves = []
    random.seed(0)
    started = time.perf_counter()
    cpu_started = time.process_time()
    audits = 0
    stopped = False
    with (
        mock.patch.object(
            strategies.BaseStrategy, "compute_model", new_callable=mock.PropertyMock
        ) as m_model,
        mock.patch.object(strategies.BaseStrategy, "audit_scope", new_callable=mock.PropertyMock) as m_scope,
        mock.patch.object(cls, "datasource_backend", new_callable=mock.PropertyMock) as m_ds,
    ):
        m_model.return_value = model
        m_scope.return_value = mock.Mock()
        m_ds.return_value = metrics
        # Watcher audits repeatedly (continuous audits); each audit sees the model its last one left.
        for _ in range(rounds):
            strategy = cls(config=mock.Mock(datasource="fake"))
            params = utils.Struct()
            if strategy_name == "workload_stabilization":
                params.update(
                    {
                        "metrics": ["instance_cpu_usage", "instance_ram_usage"],
                        "thresholds": {"instance_cpu_usage": 0.05, "instance_ram_usage": 0.05},
                        "weights": {"instance_cpu_usage_weight": 1.0, "instance_ram_usage_weight": 1.0},
                        "instance_metrics": {
                            "instance_cpu_usage": "host_cpu_usage",
                            "instance_ram_usage": "host_ram_usage",
                        },
                        "host_choice": "retry",
                        "retry_count": 1,  # the default; fullsearch can list one VM twice
                        "periods": {"instance": 720, "compute_node": 600, "node": 0},
                        "aggregation_method": {"instance": "mean", "compute_node": "mean", "node": ""},
                        "granularity": 300,
                    }
                )
            else:
                params.update(
                    {"metrics": "instance_cpu_usage", "threshold": 50.0, "period": 300, "granularity": 300}
                )
            strategy.input_parameters = params
            solution = strategy.execute()
            step = [a for a in solution.actions if a.get("action_type") == "migrate"]
            for action in step:
                p = action["input_parameters"]
                moves.append(
                    {
                        "workload": names[p["resource_id"]],
                        "from_host": p["source_node"],
                        "to_host": p["destination_node"],
                    }
                )
            audits += 1
            if not step:
                break
            if max_seconds is not None and time.perf_counter() - started > max_seconds:
                stopped = True  # cut by the benchmark's limit: the moves so far are reported
                break
    return {
        "moves": moves,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "audits": audits,
        "stopped": stopped,
    }


if __name__ == "__main__":
    request = json.load(sys.stdin)
    print(
        json.dumps(
            run(
                request["inventory"],
                request["strategy"],
                request.get("rounds", 50),
                request.get("max_seconds"),
            )
        )
    )
