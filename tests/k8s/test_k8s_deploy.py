"""deploy/kubernetes applied server-side to the real API server (validation, admission, the
Deployment's pod scheduled onto a kwok node), and its RBAC checked by SubjectAccessReview for the
ServiceAccount: everything the adapters call is allowed, nothing more."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import yaml
from kubernetes import client
from kubernetes.dynamic import DynamicClient

from tests.k8s.conftest import Cluster, wait

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
SA = "system:serviceaccount:govcloud:govcloud"

# (verb, group, resource, subresource) -> allowed
ACCESS = [
    ("list", "", "nodes", ""),
    ("patch", "", "nodes", ""),
    ("list", "", "pods", ""),
    ("get", "", "pods", ""),
    ("list", "", "namespaces", ""),
    ("list", "", "resourcequotas", ""),
    ("list", "", "persistentvolumeclaims", ""),
    ("list", "", "persistentvolumes", ""),
    ("list", "apps", "replicasets", ""),
    ("create", "", "pods", "eviction"),
    ("get", "coordination.k8s.io", "leases", "", "govcloud"),
    ("update", "coordination.k8s.io", "leases", "", "govcloud"),
    ("create", "coordination.k8s.io", "leases", "", "govcloud"),
    ("get", "", "configmaps", "", "govcloud"),
    ("create", "", "configmaps", "", "govcloud"),
    ("patch", "", "configmaps", "", "govcloud"),
]
DENIED = [
    ("delete", "", "pods", ""),
    ("create", "", "pods", ""),
    ("delete", "", "nodes", ""),
    ("get", "", "secrets", ""),
    ("list", "", "secrets", ""),
    ("patch", "apps", "deployments", ""),
    ("update", "", "nodes", "status"),
    ("create", "", "nodes", ""),
    ("update", "coordination.k8s.io", "leases", "", "kube-system"),
    ("delete", "coordination.k8s.io", "leases", "", "govcloud"),
    ("patch", "", "configmaps", "", "kube-system"),
    ("get", "", "configmaps", "", "team-x"),
    ("update", "", "configmaps", "", "govcloud"),
    ("delete", "", "configmaps", "", "govcloud"),
    ("list", "", "configmaps", "", "govcloud"),
]


def documents() -> list[dict]:  # type: ignore[type-arg]
    docs = []
    for path in sorted(DEPLOY.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    order = ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]
    return sorted(docs, key=lambda d: order.index(d["kind"]) if d["kind"] in order else len(order))


def allowed(
    cluster: Cluster, verb: str, group: str, resource: str, sub: str, namespace: str = "team-x"
) -> bool:
    review = client.AuthorizationV1Api(cluster.api).create_subject_access_review(
        client.V1SubjectAccessReview(
            spec=client.V1SubjectAccessReviewSpec(
                user=SA,
                groups=["system:serviceaccounts", "system:serviceaccounts:govcloud", "system:authenticated"],
                resource_attributes=client.V1ResourceAttributes(
                    verb=verb,
                    group=group,
                    resource=resource,
                    subresource=sub or None,
                    namespace=None if resource in ("nodes", "namespaces", "persistentvolumes") else namespace,
                ),
            )
        )
    )
    return bool(review.status.allowed)


@pytest.fixture
def deployed(cluster: Cluster):  # type: ignore[no-untyped-def]
    dynamic = DynamicClient(cluster.api)
    applied = []
    try:
        for doc in documents():
            api = dynamic.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
            namespace = doc["metadata"].get("namespace")
            dynamic.server_side_apply(api, body=doc, namespace=namespace, field_manager="govcloud-deploy")
            applied.append((api, doc["metadata"]["name"], namespace))
        yield applied
    finally:
        for api, name, namespace in reversed(applied):
            if api.kind != "Namespace":
                with contextlib.suppress(Exception):  # best effort; the namespace goes anyway
                    api.delete(name=name, namespace=namespace)
        cluster.core.delete_namespace("govcloud")


def test_manifests_apply_server_side_and_rbac_is_least_privilege(cluster: Cluster, deployed) -> None:  # type: ignore[no-untyped-def]
    kinds = sorted(api.kind for api, _, _ in deployed)
    assert kinds == sorted(
        ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
         "Deployment", "Service", "PodDisruptionBudget"]
    )  # fmt: skip
    cluster.node("n1", "zone-a")
    cluster.nodes_ready()
    # kwok runs the pod whatever its image: this checks the spec is admitted (restricted Pod Security)
    # and schedulable, not the image.
    wait(
        "govcloud Deployment available",
        lambda: (
            (cluster.apps.read_namespaced_deployment("govcloud", "govcloud").status.available_replicas or 0)
            >= 1
        ),
        timeout=90,
        plane=cluster.plane,
    )
    refused = [a for a in ACCESS if not allowed(cluster, *a)]
    assert not refused, f"the ServiceAccount lacks {refused}"
    granted = [a for a in DENIED if allowed(cluster, *a)]
    assert not granted, f"the ServiceAccount may also {granted}"
