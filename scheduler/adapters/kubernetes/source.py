"""A live inventory read from a Kubernetes API server (the ``kubernetes`` client).

Mapping (docs/kubernetes.md explains each choice):

- zones: nodes grouped by the ``topology.kubernetes.io/zone`` label (else Cinder CSI's
  ``topology.cinder.csi.openstack.org/zone``); hosts are nodes with their
  ``status.allocatable`` cpu (cores) and memory (``memory_gib``); a node that is cordoned
  (``spec.unschedulable``) or carries a NoSchedule/NoExecute taint is ``schedulable: false``.
- workloads: pods bound to a node and not terminal, named ``namespace/pod``, with their requests
  counted as the kube-scheduler counts them (:func:`pod_requests`).
- tenants: namespaces. A namespace's unscoped ResourceQuota (``requests.cpu``/``cpu``,
  ``requests.memory``/``memory``) becomes the same cap in every zone: a namespace's share of one zone
  can never exceed its whole, so the cap is sound (it bites only when the namespace is already over).
- groups: the pod's controller, followed from ReplicaSet to Deployment: ``namespace/Kind/name``.
- residency: required node affinity and nodeSelector on the zone label, and zonal persistent volumes.
- not movable: DaemonSet, mirror and static pods, pods with no controller to recreate them, Job pods,
  pods with local storage (emptyDir, hostPath, local or hostPath PV), and pods whose other node
  constraints (selector, affinity) some node of their zones does not meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from kubernetes import client
from urllib3.exceptions import HTTPError

from scheduler.adapters.kubernetes.errors import KubernetesSourceError
from scheduler.adapters.kubernetes.pods import (
    GIB,
    RESOURCES,
    ZONE_LABELS,
    admits_zone,
    node_fits,
    node_zone,
    pod_requests,
    quantity,
    resources_of,
)
from scheduler.model.inventory import Host, Inventory, InventoryTenant, InventoryZone, Workload

REGION_LABEL = "topology.kubernetes.io/region"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
# Inventory resource name -> Kubernetes resource name.
BLOCKING_TAINTS = ("NoSchedule", "NoExecute")
TERMINAL_PHASES = ("Succeeded", "Failed")
T = TypeVar("T")


@dataclass(frozen=True)
class _Volumes:
    """What the cluster's persistent volumes say about where pods may run."""

    claims: Mapping[tuple[str, str], str]  # (namespace, claim) -> volume name
    volumes: Mapping[str, client.V1PersistentVolume]


def _pv_zones(pv: client.V1PersistentVolume) -> frozenset[str] | None:
    affinity = pv.spec.node_affinity
    required = affinity.required if affinity else None
    if required is None:
        return None
    zones: set[str] = set()
    for term in required.node_selector_terms or ():
        on_zone = [r for r in term.match_expressions or () if r.key in ZONE_LABELS]
        if not on_zone or any(r.operator != "In" for r in on_zone):
            return None  # a term not restricted to listed zones: no zone restriction we can state
        for requirement in on_zone:
            zones.update(requirement.values or ())
    return frozenset(zones)


def _pv_is_local(pv: client.V1PersistentVolume) -> bool:
    spec = pv.spec
    if spec.local is not None or spec.host_path is not None:
        return True
    required = spec.node_affinity.required if spec.node_affinity else None
    for term in (required.node_selector_terms or ()) if required else ():
        for r in term.match_expressions or ():
            if r.key == "kubernetes.io/hostname":
                return True
    return False


class KubernetesSource:
    """Reads nodes, pods, namespaces, quotas, ReplicaSets and volumes into an :class:`Inventory`.

    ``api`` is a configured ``kubernetes.client.ApiClient`` (from a kubeconfig, in-cluster config or,
    in the tests, a loopback server). Nodes without the zone label are left out with their pods (they
    belong to no zone, so the plan must never target them), unless ``unzoned`` names a zone to put
    them in. ``reasons`` holds, after :meth:`load`, why each immovable pod is pinned.
    """

    def __init__(self, api: client.ApiClient, *, unzoned: str | None = None) -> None:
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.unzoned = unzoned
        self.reasons: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"KubernetesSource({self.core.api_client.configuration.host!r})"

    def _list(self, what: str, call: Any) -> list[Any]:
        try:
            return list(call().items or [])
        except client.ApiException as error:
            raise KubernetesSourceError(
                f"kubernetes: cannot list {what}: HTTP {error.status} {error.reason}"
            ) from None
        except (HTTPError, OSError) as error:  # unreachable, TLS, timeouts (urllib3)
            raise KubernetesSourceError(f"kubernetes: cannot list {what}: {error}") from None

    def load(self) -> Inventory:
        nodes = self._list("nodes", self.core.list_node)
        pods = self._list("pods", self.core.list_pod_for_all_namespaces)
        namespaces = self._list("namespaces", self.core.list_namespace)
        quotas = self._list("resourcequotas", self.core.list_resource_quota_for_all_namespaces)
        replica_sets = self._list("replicasets", self.apps.list_replica_set_for_all_namespaces)
        claims = self._list(
            "persistentvolumeclaims", self.core.list_persistent_volume_claim_for_all_namespaces
        )
        volumes = self._list("persistentvolumes", self.core.list_persistent_volume)
        return self.build(nodes, pods, namespaces, quotas, replica_sets, claims, volumes)

    def build(
        self,
        nodes: Iterable[client.V1Node],
        pods: Iterable[client.V1Pod],
        namespaces: Iterable[client.V1Namespace],
        quotas: Iterable[client.V1ResourceQuota],
        replica_sets: Iterable[client.V1ReplicaSet],
        claims: Iterable[client.V1PersistentVolumeClaim],
        volumes: Iterable[client.V1PersistentVolume],
    ) -> Inventory:
        """The inventory of these API objects (pure: no API calls)."""
        self.reasons = {}
        node_by_name: dict[str, client.V1Node] = {}
        zone_hosts: dict[str, list[Host]] = {}
        regions: dict[str, str] = {}
        for node in sorted(nodes, key=lambda n: n.metadata.name):
            labels = node.metadata.labels or {}
            zone = node_zone(labels) or self.unzoned
            if zone is None:
                continue
            node_by_name[node.metadata.name] = node
            zone_hosts.setdefault(zone, []).append(
                _in_context(f"node {node.metadata.name}", self._host, node, zone)
            )
            if REGION_LABEL in labels:
                regions.setdefault(zone, labels[REGION_LABEL])
        zones = tuple(
            InventoryZone(name, regions.get(name), tuple(hosts)) for name, hosts in sorted(zone_hosts.items())
        )
        zone_of = {h.name: z.name for z in zones for h in z.hosts}
        receiving = {h.name for z in zones for h in z.hosts if h.schedulable}
        deployments = {
            (rs.metadata.namespace, rs.metadata.name): _controller(rs.metadata) for rs in replica_sets
        }
        vols = _Volumes(
            claims={
                (c.metadata.namespace, c.metadata.name): c.spec.volume_name
                for c in claims
                if c.spec is not None and c.spec.volume_name
            },
            volumes={v.metadata.name: v for v in volumes},
        )
        workloads: list[Workload] = []
        for pod in sorted(pods, key=lambda p: (p.metadata.namespace, p.metadata.name)):
            phase = pod.status.phase if pod.status else None
            if phase in TERMINAL_PHASES or not pod.spec.node_name or pod.spec.node_name not in zone_of:
                continue
            workloads.append(
                _in_context(
                    f"pod {pod.metadata.namespace}/{pod.metadata.name}",
                    self._workload,
                    pod,
                    zone_of,
                    node_by_name,
                    receiving,
                    deployments,
                    vols,
                )
            )
        all_zones = frozenset(z.name for z in zones)
        tenants = tuple(
            InventoryTenant(ns.metadata.name, _zone_caps(ns.metadata.name, quotas, all_zones))
            for ns in sorted(namespaces, key=lambda n: n.metadata.name)
        )
        return Inventory(zones, tenants, tuple(workloads))

    @staticmethod
    def _host(node: client.V1Node, zone: str) -> Host:
        capacity = resources_of(node.status.allocatable if node.status else None)
        taints = (node.spec.taints or []) if node.spec else []
        cordoned = bool(node.spec and node.spec.unschedulable)
        blocked = any(t.effect in BLOCKING_TAINTS for t in taints)
        return Host(
            node.metadata.name,
            zone,
            {name: float(amount) for name, amount in capacity.items()},
            schedulable=not (cordoned or blocked),
        )

    def _workload(
        self,
        pod: client.V1Pod,
        zone_of: Mapping[str, str],
        nodes: Mapping[str, client.V1Node],
        receiving: set[str],
        deployments: Mapping[tuple[str, str], tuple[str, str] | None],
        vols: _Volumes,
    ) -> Workload:
        meta = pod.metadata
        name = f"{meta.namespace}/{meta.name}"
        owner = _controller(meta)
        group = None
        if owner is not None and owner[0] != "Node":
            kind, owner_name = owner
            if kind == "ReplicaSet":
                parent = deployments.get((meta.namespace, owner_name))
                if parent is not None and parent[0] == "Deployment":
                    kind, owner_name = parent
            group = f"{meta.namespace}/{kind}/{owner_name}"
        allowed = self._allowed_zones(pod, zone_of, vols)
        pinned = self._pinned_reason(pod, owner, vols, allowed, zone_of, nodes, receiving)
        if pinned is not None:
            self.reasons[name] = pinned
        return Workload(
            name=name,
            tenant=meta.namespace,
            host=pod.spec.node_name,
            requests=pod_requests(pod.spec),
            group=group,
            allowed_zones=allowed,
            movable=pinned is None,
        )

    @staticmethod
    def _allowed_zones(
        pod: client.V1Pod, zone_of: Mapping[str, str], vols: _Volumes
    ) -> frozenset[str] | None:
        all_zones = set(zone_of.values())
        allowed = {zone for zone in all_zones if admits_zone(pod, zone)}
        for volume in pod.spec.volumes or ():
            pv = _claimed_volume(pod, volume, vols)
            zones = _pv_zones(pv) if pv is not None else None
            if zones is not None:
                allowed &= zones
        return None if allowed == all_zones else frozenset(allowed)

    @staticmethod
    def _pinned_reason(
        pod: client.V1Pod,
        owner: tuple[str, str] | None,
        vols: _Volumes,
        allowed: frozenset[str] | None,
        zone_of: Mapping[str, str],
        nodes: Mapping[str, client.V1Node],
        receiving: set[str],
    ) -> str | None:
        meta = pod.metadata
        if meta.deletion_timestamp is not None:
            return "terminating"
        if MIRROR_ANNOTATION in (meta.annotations or {}):
            return "mirror pod of a static pod (managed by the kubelet)"
        if owner is None:
            return "no controller would recreate it after eviction"
        kind = owner[0]
        if kind == "Node":
            return "static pod (owned by its node)"
        if kind == "DaemonSet":
            return "DaemonSet pod (one per node by design)"
        if kind in ("Job", "CronJob"):
            return "Job pod (eviction restarts the batch work)"
        for volume in pod.spec.volumes or ():
            if volume.empty_dir is not None:
                return f"local storage: emptyDir volume {volume.name}"
            if volume.host_path is not None:
                return f"local storage: hostPath volume {volume.name}"
            pv = _claimed_volume(pod, volume, vols)
            if pv is not None and _pv_is_local(pv):
                return f"local storage: volume {volume.name} is a node-local persistent volume"
        # Node constraints beyond zones: every schedulable node of an allowed zone must accept the pod,
        # otherwise a planned target could be one the kube-scheduler would never choose.
        if not pod.spec.node_selector and not pod.spec.affinity:
            return None
        excluded = [
            name
            for name, zone in sorted(zone_of.items())
            if name in receiving and (allowed is None or zone in allowed) and not node_fits(pod, nodes[name])
        ]
        if excluded:
            return f"node selector or affinity excludes schedulable nodes {', '.join(excluded)}"
        return None


def _claimed_volume(pod: client.V1Pod, volume: Any, vols: _Volumes) -> client.V1PersistentVolume | None:
    claim = None
    if volume.persistent_volume_claim is not None:
        claim = volume.persistent_volume_claim.claim_name
    elif getattr(volume, "ephemeral", None) is not None:
        claim = f"{pod.metadata.name}-{volume.name}"  # generic ephemeral volumes are named so
    if claim is None:
        return None
    pv_name = vols.claims.get((pod.metadata.namespace, claim))
    return vols.volumes.get(pv_name) if pv_name else None


def _in_context(what: str, build: Callable[..., T], *args: Any) -> T:
    """``build(*args)``, with ``what`` named in any KubernetesSourceError it raises."""
    try:
        return build(*args)
    except KubernetesSourceError as error:
        raise KubernetesSourceError(f"kubernetes: {what}: {error}") from None


def _controller(meta: client.V1ObjectMeta) -> tuple[str, str] | None:
    """(kind, name) of the object's controlling owner, or None."""
    for ref in meta.owner_references or ():
        if ref.controller:
            return ref.kind, ref.name
    return None


def _zone_caps(
    namespace: str, quotas: Iterable[client.V1ResourceQuota], zones: frozenset[str]
) -> dict[str, dict[str, float]]:
    """The namespace's tightest unscoped quota on cpu and memory, as the same cap in every zone."""
    caps: dict[str, float] = {}
    for quota in quotas:
        if quota.metadata.namespace != namespace or quota.spec is None or not quota.spec.hard:
            continue
        if quota.spec.scopes or quota.spec.scope_selector:
            continue  # covers only some pods (e.g. one priority class): no cap on the namespace as a whole
        hard = quota.spec.hard
        for name, kube_name in RESOURCES.items():
            for key in (f"requests.{kube_name}", kube_name):
                if key in hard:
                    amount = quantity(hard[key])
                    value = float(amount / GIB if name == "memory_gib" else amount)
                    caps[name] = min(caps.get(name, value), value)
    return {zone: dict(caps) for zone in sorted(zones)} if caps else {}
