"""KubernetesSource against a real API server: the inventory read back exactly, with pods placed by the
real kube-scheduler (nodes simulated by kwok)."""

from __future__ import annotations

from kubernetes import client

from scheduler.adapters.kubernetes.pods import CINDER_ZONE_LABEL, ZONE_LABEL, node_fits
from scheduler.adapters.kubernetes.source import KubernetesSource
from scheduler.model.inventory import Inventory
from tests.k8s.conftest import Cluster, wait


def mine(inv: Inventory, cluster: Cluster, namespace: str) -> tuple[dict, dict]:
    """This test's hosts (by name) and workloads (by name) out of the whole cluster's inventory."""
    hosts = {h.name: h for z in inv.zones for h in z.hosts if h.name.endswith(cluster.tag)}
    pods = {w.name: w for w in inv.workloads if w.tenant == namespace}
    return hosts, pods


def test_inventory_read_back_exactly(cluster: Cluster) -> None:
    a1 = cluster.node("a1", "zone-a", cpu="4", memory="16Gi")
    b1 = cluster.node("b1", "zone-b", cpu="8", memory="32Gi", zone_key=CINDER_ZONE_LABEL)
    unzoned = cluster.node("x1", None, cpu="2", memory="4Gi")
    cluster.nodes_ready()
    ns = cluster.namespace("src")
    # requests as the kube-scheduler counts them: a sidecar (restartPolicy Always) adds to the app
    # containers; the ordinary init container needs its own request plus the sidecar started before it.
    cluster.deployment(
        ns,
        "web",
        1,
        cpu="250m",
        memory="256Mi",
        pod_spec={
            "initContainers": [
                {"name": "proxy", "image": "pause", "restartPolicy": "Always",
                 "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}}},
                {"name": "migrate", "image": "pause",
                 "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}},
            ],
            "nodeSelector": {"govcloud-test": cluster.tag, ZONE_LABEL: "zone-a"},
        },
    )  # fmt: skip
    # A zonal volume of the Cinder CSI driver, bound by the real PV controller: pins the pod to zone-b.
    cluster.core.create_persistent_volume(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": f"pv-{cluster.tag}"},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "",
                "csi": {"driver": "cinder.csi.openstack.org", "volumeHandle": f"vol-{cluster.tag}"},
                "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": CINDER_ZONE_LABEL, "operator": "In", "values": ["zone-b"]}]}]}},
            },
        }
    )  # fmt: skip
    try:
        cluster.core.create_namespaced_persistent_volume_claim(
            ns,
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "",
                         "volumeName": f"pv-{cluster.tag}", "resources": {"requests": {"storage": "1Gi"}}},
            },
        )  # fmt: skip
        cluster.deployment(
            ns, "db", 1, cpu="500m", memory="1Gi",
            pod_spec={"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]},
        )  # fmt: skip
        web = cluster.running(ns, "app=web", 1)[0]
        db = cluster.running(ns, "app=db", 1)[0]
        assert web.spec.node_name == a1
        assert db.spec.node_name == b1, "the real scheduler honours the PV's Cinder zone"

        source = KubernetesSource(cluster.api)
        hosts, pods = mine(source.load(), cluster, ns)
    finally:
        cluster.core.delete_namespace(ns)
        cluster.core.delete_persistent_volume(f"pv-{cluster.tag}")

    assert unzoned not in hosts, "a node in no zone is left out"
    assert {name: (h.zone, dict(h.capacity), h.schedulable) for name, h in hosts.items()} == {
        a1: ("zone-a", {"cpu": 4.0, "memory_gib": 16.0}, True),
        b1: ("zone-b", {"cpu": 8.0, "memory_gib": 32.0}, True),
    }
    w = pods[f"{ns}/{web.metadata.name}"]
    assert (w.host, dict(w.requests), w.group, w.allowed_zones, w.movable) == (
        a1,
        {"cpu": 1.05, "memory_gib": 1056 / 1024},
        f"{ns}/Deployment/web",
        frozenset({"zone-a"}),
        True,
    )
    d = pods[f"{ns}/{db.metadata.name}"]
    assert (d.host, dict(d.requests), d.group, d.allowed_zones, d.movable) == (
        b1,
        {"cpu": 0.5, "memory_gib": 1.0},
        f"{ns}/Deployment/db",
        frozenset({"zone-b"}),
        True,
    )
    assert len(pods) == 2


def test_empty_node_selector_term_matches_nothing(cluster: Cluster) -> None:
    a1 = cluster.node("a1", "zone-a")
    b1 = cluster.node("b1", "zone-b")
    cluster.nodes_ready()
    ns = cluster.namespace("term")
    zone_a = {"matchExpressions": [{"key": ZONE_LABEL, "operator": "In", "values": ["zone-a"]}]}

    def affinity(*terms: dict) -> dict:
        return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": list(terms)}}}}  # fmt: skip

    cluster.deployment(ns, "either", 1, pod_spec=affinity({}, zone_a))
    cluster.deployment(ns, "never", 1, pod_spec=affinity({}))
    either = cluster.running(ns, "app=either", 1)[0]
    assert either.spec.node_name == a1

    def unschedulable() -> client.V1Pod | None:
        pods = cluster.core.list_namespaced_pod(ns, label_selector="app=never").items
        for pod in pods:
            for c in pod.status.conditions or ():
                if c.type == "PodScheduled" and c.status == "False" and c.reason == "Unschedulable":
                    return pod
        return None

    never = wait("the kube-scheduler to find no node for an empty term", unschedulable, plane=cluster.plane)
    nodes = [cluster.core.read_node(n) for n in (a1, b1)]
    assert [node_fits(never, n) for n in nodes] == [False, False]
    assert [node_fits(either, n) for n in nodes] == [True, False]

    _, pods = mine(KubernetesSource(cluster.api).load(), cluster, ns)
    assert list(pods) == [f"{ns}/{either.metadata.name}"], "the Pending pod is left out"
    assert pods[f"{ns}/{either.metadata.name}"].allowed_zones == frozenset({"zone-a"})
