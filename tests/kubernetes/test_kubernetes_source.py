"""KubernetesSource against recorded API responses served to the real kubernetes client."""

from __future__ import annotations

import pytest
from kubernetes import client

from scheduler.adapters.kubernetes.errors import KubernetesSourceError
from scheduler.adapters.kubernetes.pods import pod_requests, quantity
from scheduler.adapters.kubernetes.source import KubernetesSource
from scheduler.model.inventory import Inventory
from tests.kubernetes.recorded_api import RecordedApi, Reply, cluster_routes, fixture, serve


@pytest.fixture(scope="module")
def loaded() -> tuple[Inventory, dict[str, str]]:
    api = RecordedApi(cluster_routes())
    with serve(api) as api_client:
        source = KubernetesSource(api_client, unzoned="unzoned")
        inv = source.load()
    return inv, source.reasons


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", "0.5"),
        ("4", "4"),
        ("4Gi", str(4 * 1024**3)),
        ("15728640Ki", str(15 * 1024**3)),
        ("129e6", "129000000"),
        ("1.5", "1.5"),
        ("128M", "128000000"),
    ],
)
def test_quantities(text: str, value: str) -> None:
    assert quantity(text) == type(quantity("1"))(value)


def test_bad_quantity_is_a_clear_error() -> None:
    with pytest.raises(KubernetesSourceError, match="bad quantity '12xyz'"):
        quantity("12xyz")


def test_nodes_become_zones_with_allocatable_and_cordons(loaded: tuple[Inventory, dict[str, str]]) -> None:
    inv, _ = loaded
    table = {h.name: (h.zone, dict(h.capacity), h.schedulable) for h in inv.hosts}
    assert table == {
        "a1": ("zone-a", {"cpu": 3.9, "memory_gib": 15.0}, True),
        "a2": ("zone-a", {"cpu": 4.0, "memory_gib": 16.0}, True),
        "cp1": ("zone-a", {"cpu": 2.0, "memory_gib": 8.0}, False),  # control-plane NoSchedule taint
        "b1": ("zone-b", {"cpu": 4.0, "memory_gib": 16.0}, True),
        "b2": ("zone-b", {"cpu": 4.0, "memory_gib": 16.0}, False),  # cordoned
        "edge1": ("unzoned", {"cpu": 2.0, "memory_gib": 4.0}, True),  # no zone label
    }


def test_pods_requests_groups_residency_and_pins(loaded: tuple[Inventory, dict[str, str]]) -> None:
    inv, reasons = loaded
    got = {
        w.name: (w.host, dict(w.requests), w.group, w.allowed_zones, w.movable, w.tenant)
        for w in inv.workloads
    }
    his = {"cpu": 1.1, "memory_gib": 1.125}
    assert got == {
        # 2 x 250m + init 1 core -> 1 core, + 100m overhead; 2 x 512Mi + 128Mi overhead
        "health/his-7d9f8c6b5-x2x7q": ("a1", his, "health/Deployment/his", None, True, "health"),
        "health/his-7d9f8c6b5-k9m2p": ("a2", his, "health/Deployment/his", None, True, "health"),
        # sidecar 100m joins the 200m app; the 500m init runs next to the sidecar: max(300m, 600m)
        "health/db-0": (
            "a1",
            {"cpu": 0.6, "memory_gib": 1.125},
            "health/StatefulSet/db",
            frozenset({"zone-a"}),  # affinity allows zone-a and zone-b, its volume is in zone-a
            True,
            "health",
        ),
        "health/portal-5f6d7-abcde": (
            "b1",
            {"cpu": 0.5, "memory_gib": 1.0},
            "health/Deployment/portal",
            frozenset({"zone-b", "unzoned"}),  # NotIn zone-a
            True,
            "health",
        ),
        "health/ssd-cache-6b7-ppppp": (
            "a2",
            {"cpu": 0.25, "memory_gib": 2.0},
            "health/Deployment/ssd-cache",
            None,
            False,
            "health",
        ),
        "tax/web-6c8d9-qwert": (
            "a1",
            {"cpu": 1.0, "memory_gib": 2.0},
            "tax/ReplicaSet/web-6c8d9",
            None,
            True,
            "tax",
        ),
        "kube-system/kube-proxy-8x7vz": (
            "a1",
            {},
            "kube-system/DaemonSet/kube-proxy",
            None,
            False,
            "kube-system",
        ),
        "kube-system/kube-apiserver-cp1": ("cp1", {"cpu": 0.25}, None, None, False, "kube-system"),
        "tax/cache-0": ("b1", {"cpu": 0.1, "memory_gib": 0.25}, "tax/StatefulSet/cache", None, False, "tax"),
        "tax/collector-7f8-zzzzz": (
            "a2",
            {"cpu": 0.1, "memory_gib": 0.125},
            "tax/Deployment/collector",
            None,
            False,
            "tax",
        ),
        "tax/ledger-0": ("b1", {"cpu": 0.5, "memory_gib": 1.0}, "tax/StatefulSet/ledger", None, False, "tax"),
        "tax/debug": ("a2", {"cpu": 0.05, "memory_gib": 0.0625}, None, None, False, "tax"),
        "tax/batch-9-abcde": (
            "edge1",
            {"cpu": 0.5, "memory_gib": 0.5},
            "tax/Job/batch-9",
            None,
            False,
            "tax",
        ),
    }
    # terminal (Succeeded) and unbound (Pending) pods are not in the inventory
    assert reasons == {
        "health/ssd-cache-6b7-ppppp": "node selector or affinity excludes schedulable nodes a1, edge1",
        "kube-system/kube-apiserver-cp1": "mirror pod of a static pod (managed by the kubelet)",
        "kube-system/kube-proxy-8x7vz": "DaemonSet pod (one per node by design)",
        "tax/batch-9-abcde": "Job pod (eviction restarts the batch work)",
        "tax/cache-0": "local storage: emptyDir volume scratch",
        "tax/collector-7f8-zzzzz": "local storage: hostPath volume logs",
        "tax/debug": "no controller would recreate it after eviction",
        "tax/ledger-0": "local storage: volume data is a node-local persistent volume",
    }


def test_namespaces_are_tenants_with_unscoped_quota_in_every_zone(
    loaded: tuple[Inventory, dict[str, str]],
) -> None:
    inv, _ = loaded
    quotas = {t.name: {z: dict(caps) for z, caps in t.quota.items()} for t in inv.tenants}
    # health: requests.cpu 8 and cpu 6 -> the tighter 6; requests.memory 16Gi; limits.* ignored.
    # tax: only a BestEffort-scoped quota -> no cap.
    every_zone = {"cpu": 6.0, "memory_gib": 16.0}
    assert quotas == {
        "health": {"unzoned": every_zone, "zone-a": every_zone, "zone-b": every_zone},
        "kube-system": {},
        "tax": {},
    }


def test_unzoned_nodes_are_left_out_by_default() -> None:
    with serve(RecordedApi(cluster_routes())) as api_client:
        inv = KubernetesSource(api_client).load()
    assert [z.name for z in inv.zones] == ["zone-a", "zone-b"]
    assert "tax/batch-9-abcde" not in {w.name for w in inv.workloads}
    assert inv.workload("health/portal-5f6d7-abcde").allowed_zones == frozenset({"zone-b"})


def test_api_error_is_reported_not_raised_raw() -> None:
    routes = cluster_routes()
    routes[("GET", "/api/v1/pods")] = [
        Reply(
            403,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": 'pods is forbidden: User "govcloud" cannot list resource "pods"',
                "reason": "Forbidden",
                "details": {"kind": "pods"},
                "code": 403,
            },
        )
    ]
    with (
        serve(RecordedApi(routes)) as api_client,
        pytest.raises(KubernetesSourceError, match="cannot list pods: HTTP 403"),
    ):
        KubernetesSource(api_client).load()


def _spec(containers: list[dict[str, str]], init: list[tuple[dict[str, str], str | None]], overhead=None):
    def ctr(i: int, req: dict[str, str], policy: str | None = None) -> client.V1Container:
        return client.V1Container(
            name=f"c{i}", restart_policy=policy, resources=client.V1ResourceRequirements(requests=req)
        )

    return client.V1PodSpec(
        containers=[ctr(i, r) for i, r in enumerate(containers)],
        init_containers=[ctr(100 + i, r, p) for i, (r, p) in enumerate(init)] or None,
        overhead=overhead,
    )


# kube-scheduler's PodRequests, case by case (cpu cores only for brevity)
REQUEST_CASES = [
    ("plain sum", [{"cpu": "1"}, {"cpu": "500m"}], [], None, 1.5),
    ("init larger than sum", [{"cpu": "1"}], [({"cpu": "2"}, None)], None, 2.0),
    ("init smaller than sum", [{"cpu": "3"}], [({"cpu": "2"}, None)], None, 3.0),
    ("sidecar adds to sum", [{"cpu": "1"}], [({"cpu": "500m"}, "Always")], None, 1.5),
    (
        "init after sidecar needs both",
        [{"cpu": "100m"}],
        [({"cpu": "500m"}, "Always"), ({"cpu": "2"}, None)],
        None,
        2.5,
    ),
    (
        "init before sidecar runs alone",
        [{"cpu": "100m"}],
        [({"cpu": "2"}, None), ({"cpu": "500m"}, "Always")],
        None,
        2.0,
    ),
    ("overhead added", [{"cpu": "1"}], [], {"cpu": "250m"}, 1.25),
    ("no requests", [{}], [], None, None),
]


@pytest.mark.parametrize(("case", "containers", "init", "overhead", "cpu"), REQUEST_CASES)
def test_pod_requests_like_the_kube_scheduler(
    case: str, containers: list[dict[str, str]], init: list, overhead: dict | None, cpu: float | None
) -> None:
    assert pod_requests(_spec(containers, init, overhead)).get("cpu") == cpu


def test_terminating_pod_is_pinned() -> None:
    pods = fixture("pods.json")
    pods["items"][0]["metadata"]["deletionTimestamp"] = "2026-11-27T03:30:00Z"
    routes = cluster_routes()
    routes[("GET", "/api/v1/pods")] = [Reply(200, pods)]
    with serve(RecordedApi(routes)) as api_client:
        source = KubernetesSource(api_client)
        inv = source.load()
    name = f"health/{pods['items'][0]['metadata']['name']}"
    assert not inv.workload(name).movable
    assert source.reasons[name] == "terminating"


def test_bad_quantity_in_the_cluster_names_the_object() -> None:
    pods = fixture("pods.json")
    pods["items"][0]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots"
    routes = cluster_routes()
    routes[("GET", "/api/v1/pods")] = [Reply(200, pods)]
    with serve(RecordedApi(routes)) as api_client, pytest.raises(KubernetesSourceError) as caught:
        KubernetesSource(api_client).load()
    assert str(caught.value).startswith("kubernetes: pod health/his-7d9f8c6b5-x2x7q: bad quantity 'lots'")


def test_zones_carry_the_region_label(loaded: tuple[Inventory, dict[str, str]]) -> None:
    inv, _ = loaded
    assert {z.name: z.region for z in inv.zones} == {
        "unzoned": None,
        "zone-a": "shenyang",
        "zone-b": "shenyang",
    }
