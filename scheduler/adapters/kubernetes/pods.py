"""A pod as the kube-scheduler sees it: its requests, and which nodes and zones its constraints admit."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kubernetes import client
from kubernetes.utils import parse_quantity

from scheduler.adapters.kubernetes.errors import KubernetesSourceError
from scheduler.model.resource import CPU, MEMORY

ZONE_LABEL = "topology.kubernetes.io/zone"
# The zone key the OpenStack Cinder CSI driver puts on its nodes' topology and on the PVs it creates.
CINDER_ZONE_LABEL = "topology.cinder.csi.openstack.org/zone"
ZONE_LABELS = (ZONE_LABEL, CINDER_ZONE_LABEL)
GIB = Decimal(1024**3)
# Inventory resource name -> Kubernetes resource name.
RESOURCES = {CPU.name: "cpu", MEMORY.name: "memory"}


def quantity(value: str | int | float) -> Decimal:
    """A Kubernetes quantity ("500m", "4Gi", "1.5", "129e6") as a Decimal in base units."""
    try:
        return Decimal(parse_quantity(value))
    except ValueError as error:
        raise KubernetesSourceError(f"bad quantity {value!r}: {error}") from None


def resources_of(values: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """cpu (cores) and memory_gib from a Kubernetes resource list; other resources are left out."""
    out: dict[str, Decimal] = {}
    for name, kube_name in RESOURCES.items():
        if values and kube_name in values:
            amount = quantity(values[kube_name])
            out[name] = amount / GIB if name == MEMORY.name else amount
    return out


def _add(a: Mapping[str, Decimal], b: Mapping[str, Decimal]) -> dict[str, Decimal]:
    return {k: a.get(k, Decimal(0)) + b.get(k, Decimal(0)) for k in set(a) | set(b)}


def _max(a: Mapping[str, Decimal], b: Mapping[str, Decimal]) -> dict[str, Decimal]:
    return {k: max(a.get(k, Decimal(0)), b.get(k, Decimal(0))) for k in set(a) | set(b)}


def _requests(container: Any) -> dict[str, Decimal]:
    resources = container.resources
    return resources_of(resources.requests if resources is not None else None)


def pod_requests(spec: client.V1PodSpec) -> dict[str, float]:
    """What the kube-scheduler reserves for a pod (its ``PodRequests``), in cores and GiB.

    The sum over app containers; each sidecar (init container with ``restartPolicy: Always``) adds to
    that sum and keeps running while later init containers run; an ordinary init container needs its
    own request plus the sidecars started before it. The pod needs the larger of the running sum and
    the largest init step, plus the pod overhead. Pod-level requests (``spec.resources``), when set,
    replace the container total for the resources they name.
    """
    total: dict[str, Decimal] = {}
    for container in spec.containers or ():
        total = _add(total, _requests(container))
    sidecars: dict[str, Decimal] = {}
    init_peak: dict[str, Decimal] = {}
    for init in spec.init_containers or ():
        own = _requests(init)
        if init.restart_policy == "Always":
            total = _add(total, own)
            sidecars = _add(sidecars, own)
            step = sidecars
        else:
            step = _add(own, sidecars)
        init_peak = _max(init_peak, step)
    needed = _max(total, init_peak)
    pod_level = getattr(spec, "resources", None)
    if pod_level is not None and pod_level.requests:
        needed.update(resources_of(pod_level.requests))
    needed = _add(needed, resources_of(spec.overhead))
    return {name: float(amount) for name, amount in sorted(needed.items())}


# --- node constraints -------------------------------------------------------------------------


def node_zone(labels: Mapping[str, str]) -> str | None:
    """A node's zone: ``topology.kubernetes.io/zone``, else the Cinder CSI driver's zone key."""
    for key in ZONE_LABELS:
        if labels.get(key):
            return labels[key]
    return None


def _empty(term: Any) -> bool:
    """A node selector term with no requirements at all, which matches no node (Kubernetes semantics)."""
    return not (term.match_expressions or []) and not (getattr(term, "match_fields", None) or [])


def _matches(labels: Mapping[str, str], requirement: Any) -> bool:
    key, op, values = requirement.key, requirement.operator, requirement.values or []
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt"):
        try:
            have, want = int(labels[key]), int(values[0])
        except (KeyError, ValueError, IndexError):
            return False
        return have > want if op == "Gt" else have < want
    return False


def node_fits(pod: client.V1Pod, node: client.V1Node) -> bool:
    """Whether ``node``'s labels meet the pod's nodeSelector and required node affinity."""
    labels = node.metadata.labels or {}
    selector = pod.spec.node_selector or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return False
    affinity = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    required = affinity.required_during_scheduling_ignored_during_execution if affinity else None
    if required is None or not required.node_selector_terms:
        return True
    # Terms are ORed; a term's expressions are ANDed. matchFields (metadata.name) is checked too.
    # An empty term matches no node.
    for term in required.node_selector_terms:
        if _empty(term):
            continue
        expressions = term.match_expressions or []
        fields = term.match_fields or []
        if all(_matches(labels, r) for r in expressions) and all(
            _matches({"metadata.name": node.metadata.name}, r) for r in fields
        ):
            return True
    return False


def admits_zone(pod: client.V1Pod, zone: str) -> bool:
    """Whether the pod's selector and required node affinity admit ``zone`` (zone keys only:
    ``topology.kubernetes.io/zone`` and Cinder CSI's ``topology.cinder.csi.openstack.org/zone``)."""
    selector = pod.spec.node_selector or {}
    if any(key in selector and selector[key] != zone for key in ZONE_LABELS):
        return False
    affinity = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    required = affinity.required_during_scheduling_ignored_during_execution if affinity else None
    if required is None or not required.node_selector_terms:
        return True
    labels = dict.fromkeys(ZONE_LABELS, zone)
    return any(
        all(_matches(labels, r) for r in term.match_expressions or () if r.key in ZONE_LABELS)
        for term in required.node_selector_terms
        if not _empty(term)
    )
