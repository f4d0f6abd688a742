"""Session fixture: one real control plane (tests/k8s/control_plane.py) for every ``k8s`` test.

It fails (never skips) when the control plane cannot start, with the components' log tails, and
stops every process it started at the end of the session. Each test works in its own namespace and
creates its own kwok nodes (labelled with zones), deleted again when the test ends.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client, config

from tests.k8s.control_plane import KWOK_ANNOTATION, ControlPlane, ControlPlaneError

ZONE = "topology.kubernetes.io/zone"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/k8s/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.k8s)


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    t0 = time.monotonic()
    try:
        plane = ControlPlane(tmp_path_factory.mktemp("k8s"))
    except ControlPlaneError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        plane.start()
        api = client.ApiClient(_config(plane))
        core = client.CoreV1Api(api)
        # kube-controller-manager runs once it has created the default namespace's ServiceAccount.
        wait("default ServiceAccount (kube-controller-manager up)",
             lambda: _exists(lambda: core.read_namespaced_service_account("default", "default")),
             timeout=120, plane=plane)  # fmt: skip
        plane.timings["controller_manager_ready"] = time.monotonic() - t0
        print(f"\n[k8s] control plane ready in {plane.timings['controller_manager_ready']:.1f}s "
              f"(certificates by {plane.cert_tool} {plane.timings['certificates']:.1f}s, "
              f"apiserver /readyz {plane.timings['apiserver_ready']:.1f}s)")  # fmt: skip
        yield plane
    except ControlPlaneError as error:
        pytest.fail(str(error), pytrace=False)
    finally:
        plane.stop()


def _config(plane: ControlPlane) -> client.Configuration:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(plane.kubeconfig("admin")), client_configuration=cfg)
    return cfg


def _exists(read: Callable[[], Any]) -> bool:
    try:
        read()
    except client.ApiException as error:
        if error.status == 404:
            return False
        raise
    return True


def wait(
    what: str, ready: Callable[[], Any], timeout: float = 60.0, plane: ControlPlane | None = None
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = ready()
        if value:
            return value
        if plane is not None:
            plane.check_alive()
        if time.monotonic() > deadline:
            detail = "\n" + plane.log_tails() if plane is not None else ""
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}{detail}")
        time.sleep(0.1)


class Cluster:
    """The admin client plus helpers that undo what they create."""

    def __init__(self, plane: ControlPlane, api: client.ApiClient) -> None:
        self.plane = plane
        self.api = api
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.policy = client.PolicyV1Api(api)
        self.tag = uuid.uuid4().hex[:6]
        self.nodes: list[str] = []
        self.namespaces: list[str] = []

    def node(
        self, name: str, zone: str | None, cpu: str = "4", memory: str = "16Gi", *,
        zone_key: str = ZONE, labels: dict[str, str] | None = None, pods: str = "110",
    ) -> str:  # fmt: skip
        name = f"{name}-{self.tag}"
        all_labels = {"kubernetes.io/hostname": name, "govcloud-test": self.tag, **(labels or {})}
        if zone is not None:
            all_labels[zone_key] = zone
        allocatable = {"cpu": cpu, "memory": memory, "pods": pods}
        self.core.create_node(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": name, "labels": all_labels, "annotations": dict(KWOK_ANNOTATION)},
                "status": {"capacity": allocatable, "allocatable": allocatable},
            }
        )
        self.nodes.append(name)
        return name

    def nodes_ready(self, names: list[str] | None = None) -> None:
        def ready() -> bool:
            for name in self.nodes if names is None else names:
                node = self.core.read_node(name)
                if not any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or ()):
                    return False
                if any(t.effect == "NoSchedule" for t in node.spec.taints or ()):
                    return False
            return True

        # Held twice, a second apart: the node lifecycle controller may still add the unschedulable
        # taint of a cordon it saw late, after a first look found none.
        wait("kwok nodes Ready and untainted", ready, plane=self.plane)
        time.sleep(1.0)
        wait("kwok nodes still Ready and untainted", ready, plane=self.plane)

    def namespace(self, name: str) -> str:
        name = f"{name}-{self.tag}"
        self.core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        self.namespaces.append(name)
        wait(f"ServiceAccount default in {name}",
             lambda: _exists(lambda: self.core.read_namespaced_service_account("default", name)),
             plane=self.plane)  # fmt: skip
        return name

    def deployment(
        self, namespace: str, name: str, replicas: int, cpu: str = "100m", memory: str = "128Mi",
        pod_spec: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        labels = {"app": name}
        spec = {
            "containers": [
                {
                    "name": "app",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": cpu, "memory": memory}},
                }
            ],
            "nodeSelector": {"govcloud-test": self.tag},
            **(pod_spec or {}),
        }
        self.apps.create_namespaced_deployment(
            namespace,
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name},
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": spec},
                },
            },
        )

    def running(self, namespace: str, selector: str, count: int, timeout: float = 90.0) -> list[client.V1Pod]:
        def ok() -> list[client.V1Pod] | None:
            pods = self.core.list_namespaced_pod(namespace, label_selector=selector).items
            live = [p for p in pods if p.status.phase == "Running" and not p.metadata.deletion_timestamp]
            return live if len(live) == count and len(pods) == count else None

        return wait(f"{count} pods {selector} Running in {namespace}", ok, timeout, self.plane)

    def cleanup(self) -> None:
        for ns in self.namespaces:
            with contextlib.suppress(client.ApiException):
                self.core.delete_namespace(ns)
        for name in self.nodes:
            with contextlib.suppress(client.ApiException):
                self.core.delete_node(name)


@pytest.fixture
def cluster(control_plane: ControlPlane) -> Iterator[Cluster]:
    api = client.ApiClient(_config(control_plane))
    c = Cluster(control_plane, api)
    try:
        yield c
    finally:
        c.cleanup()
        api.close()
