"""Moves pods by eviction (policy/v1 Eviction API), so PodDisruptionBudgets always hold.

Kubernetes offers no "move this pod to that node": a running pod's node cannot change, and its node
affinity cannot be edited. What the executor can honestly do is evict the pod and let its controller
create a replacement, which the kube-scheduler places. So :meth:`KubernetesExecutor.migrate`:

1. checks the pod still runs on ``move.from_host``, has a controller that will recreate it, and that
   the target node still accepts pods (not cordoned, no NoSchedule/NoExecute taint); else it fails
   without evicting anything;
2. steers (``steer=True``): puts a temporary soft taint ``govcloud.io/rebalancing:PreferNoSchedule``
   on the schedulable nodes outside ``move.to_zone``, which the kube-scheduler's TaintToleration
   scoring honours (a preference, never a refusal: nothing becomes unschedulable); it is removed as
   soon as the replacement is bound, and so are leftovers of an interrupted run (at once in the
   target zone, with this move's own taints elsewhere);
3. evicts it with a UID precondition (only this very pod). A 429 (a PodDisruptionBudget allows no
   disruption now) is retried with backoff for ``pdb_wait`` seconds (default 0), then the move is
   deferred (:class:`MoveDeferred`): nothing changed, the run goes on. Never forced by a delete;
4. waits for the replacement (a new pod of the same controller) to be bound, and succeeds when its
   node is in ``move.to_zone`` (the plan balances zones; the node within the zone is the scheduler's
   choice) and the pod runs there. A replacement in another zone is a failed move naming the node:
   the pod moved, but not where the plan said, and the applier re-reads the state and re-plans.

:meth:`KubernetesExecutor.preflight` is the server-side dry run: the same checks and the eviction
with ``dryRun=All``, so a PDB refusal shows before ``--apply``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubernetes import client
from urllib3.exceptions import HTTPError

from scheduler.adapters.kubernetes.pods import node_zone
from scheduler.apply.executor import MoveDeferred, MoveFailed
from scheduler.model.move import Move

# The soft taint that steers replacements towards the planned zone (see the module docstring).
STEER_TAINT = "govcloud.io/rebalancing"
# Clock skew we tolerate between this machine and the API server when matching replacement pods.
SKEW_SECONDS = 60.0


@dataclass(frozen=True)
class _Owner:
    kind: str
    name: str
    uid: str


def split_name(workload: str) -> tuple[str, str]:
    """``namespace/pod`` -> (namespace, pod)."""
    namespace, sep, name = workload.partition("/")
    if not sep or not namespace or not name:
        raise MoveFailed(f"{workload!r} is not a Kubernetes pod name (namespace/pod)")
    return namespace, name


def _controller(pod: client.V1Pod) -> _Owner | None:
    for ref in pod.metadata.owner_references or ():
        if ref.controller:
            return _Owner(ref.kind, ref.name, ref.uid)
    return None


def _node_refuses(node: client.V1Node) -> str | None:
    spec = node.spec
    if spec is None:
        return None
    if spec.unschedulable:
        return "cordoned"
    for taint in spec.taints or ():
        if taint.effect in ("NoSchedule", "NoExecute"):
            return f"tainted {taint.key}:{taint.effect}"
    return None


def _status_message(error: client.ApiException) -> str:
    """The API server's Status message (and causes) from an ApiException, else its reason."""
    try:
        status = json.loads(error.body or "")
    except (TypeError, ValueError):
        return f"HTTP {error.status} {error.reason}"
    message = status.get("message") or f"HTTP {error.status} {error.reason}"
    causes = [c.get("message") for c in (status.get("details") or {}).get("causes") or () if c.get("message")]
    return "; ".join([message, *causes])


def _retry_after(error: client.ApiException) -> float | None:
    headers = error.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    if value is None:
        try:
            value = (json.loads(error.body or "").get("details") or {}).get("retryAfterSeconds")
        except (TypeError, ValueError, AttributeError):
            value = None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class KubernetesExecutor:
    """Performs moves by eviction; see the module docstring for what it can and cannot promise.

    ``timeout`` bounds one move (eviction retries and waiting for the replacement); ``poll`` is the
    pause between reads; a refused eviction (429) is retried after ``backoff`` seconds, doubling up to
    ``max_backoff`` (or after the server's Retry-After when it is longer), for at most ``pdb_wait``
    seconds; then the move is deferred. ``steer`` puts the temporary soft taint on the nodes of the
    other zones while the replacement is scheduled.
    """

    def __init__(
        self,
        api: client.ApiClient,
        *,
        timeout: float = 600.0,
        poll: float = 2.0,
        backoff: float = 5.0,
        max_backoff: float = 60.0,
        pdb_wait: float = 0.0,
        steer: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.core = client.CoreV1Api(api)
        self.timeout = timeout
        self.poll = poll
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.pdb_wait = pdb_wait
        self.steer = steer
        self.clock = clock
        self.sleep = sleep
        self.log: list[str] = []  # what happened, step by step, for the report and the tests
        self._steering: set[str] = set()  # nodes tainted by this executor's moves in flight

    def __repr__(self) -> str:
        return f"KubernetesExecutor({self.core.api_client.configuration.host!r})"

    # --- the move ---------------------------------------------------------------------------

    def migrate(self, move: Move) -> None:
        try:
            self._migrate(move)
        except (HTTPError, OSError) as error:  # the API server is unreachable: the move did not finish
            raise MoveFailed(f"{move.workload}: Kubernetes API unreachable: {error}") from None

    def _check(self, move: Move) -> tuple[client.V1Pod, _Owner]:
        namespace, name = split_name(move.workload)
        pod = self._read_pod(namespace, name)
        if pod is None:
            raise MoveFailed(f"pod {move.workload} no longer exists")
        if pod.spec.node_name != move.from_host:
            raise MoveFailed(f"pod {move.workload} runs on {pod.spec.node_name}, not on {move.from_host}")
        owner = _controller(pod)
        if owner is None or owner.kind in ("DaemonSet", "Node"):
            raise MoveFailed(f"pod {move.workload} has no controller that would recreate it elsewhere")
        refusal = self._target_refuses(move.to_host)
        if refusal is not None:
            raise MoveFailed(f"target node {move.to_host} is {refusal}; {move.workload} was not evicted")
        return pod, owner

    def preflight(self, move: Move) -> None:
        """The server-side dry run of a move: its checks, then the eviction with ``dryRun=All`` (the
        API server evaluates PodDisruptionBudgets and changes nothing). Raises like :meth:`migrate`."""
        try:
            pod, _ = self._check(move)
            self._evict(pod, self.clock() + self.pdb_wait, dry_run=True)
        except (HTTPError, OSError) as error:
            raise MoveFailed(f"{move.workload}: Kubernetes API unreachable: {error}") from None

    def _migrate(self, move: Move) -> None:
        namespace, _ = split_name(move.workload)
        deadline = self.clock() + self.timeout
        pod, owner = self._check(move)
        known = {p.metadata.uid for p in self._list_pods(namespace)}
        steered = self._steer(move) if self.steer else []
        try:
            self._evict(pod, min(deadline, self.clock() + self.pdb_wait))
            replacement = self._wait_bound(namespace, owner, known, deadline, move)
        finally:
            self._unsteer(steered)
        node = replacement.spec.node_name
        zone = self._zone_of(node)
        if zone != move.to_zone:
            raise MoveFailed(
                f"{move.workload} was evicted; the kube-scheduler placed its replacement "
                f"{replacement.metadata.name} on {node} in zone {zone}, not in {move.to_zone}"
            )
        self._wait_running(namespace, replacement.metadata.name, deadline, node)
        self.log.append(
            f"{move.workload}: replaced by {namespace}/{replacement.metadata.name} on {node} ({zone})"
        )

    # --- steering ---------------------------------------------------------------------------

    def _zone_of(self, node_name: str) -> str | None:
        try:
            node = self.core.read_node(node_name)
        except client.ApiException as error:
            raise MoveFailed(f"cannot read node {node_name}: {_status_message(error)}") from None
        return node_zone(node.metadata.labels or {})

    def _set_taint(self, node: client.V1Node, on: bool) -> bool:
        """Add or remove the steering taint on ``node`` (optimistic concurrency); whether it changed."""
        for _ in range(5):
            taints = [t for t in (node.spec.taints or []) if t.key != STEER_TAINT]
            had = len(taints) != len(node.spec.taints or [])
            if had == on:
                return False
            if on:
                taints.append(client.V1Taint(key=STEER_TAINT, value="elsewhere", effect="PreferNoSchedule"))
            body = {
                "metadata": {"resourceVersion": node.metadata.resource_version},
                "spec": {"taints": [self.core.api_client.sanitize_for_serialization(t) for t in taints]},
            }
            try:
                self.core.patch_node(node.metadata.name, body)
                return True
            except client.ApiException as error:
                if error.status != 409:
                    raise MoveFailed(
                        f"cannot taint node {node.metadata.name}: {_status_message(error)}"
                    ) from None
                node = self.core.read_node(node.metadata.name)
        raise MoveFailed(f"cannot taint node {node.metadata.name}: it keeps changing")

    def _steer(self, move: Move) -> list[str]:
        """Taint the nodes outside ``move.to_zone`` softly; untaint any leftovers in it."""
        try:
            nodes = list(self.core.list_node().items or [])
        except client.ApiException as error:
            raise MoveFailed(f"cannot list nodes: {_status_message(error)}") from None
        steered = []
        for node in nodes:
            outside = node_zone(node.metadata.labels or {}) != move.to_zone
            changed = self._set_taint(node, outside)
            # A taint this executor did not put (an interrupted run's leftover) is this move's to remove.
            if outside and (changed or node.metadata.name not in self._steering):
                steered.append(node.metadata.name)
                self._steering.add(node.metadata.name)
        if steered:
            self.log.append(
                f"{move.workload}: steering away from {len(steered)} nodes outside {move.to_zone}"
            )
        return steered

    def _unsteer(self, names: list[str]) -> None:
        for name in names:
            self._steering.discard(name)
            try:
                self._set_taint(self.core.read_node(name), False)
            except client.ApiException as error:
                if error.status != 404:
                    raise MoveFailed(f"cannot untaint node {name}: {_status_message(error)}") from None

    def locate(self, move: Move, since: float) -> str | None:
        """Where the replacement of ``move.workload`` (evicted by an interrupted run after ``since``,
        a UNIX time) runs now, or None when no replacement can be told apart."""
        namespace, name = split_name(move.workload)
        pod = self._read_pod(namespace, name)
        if pod is not None:
            return pod.spec.node_name
        # ReplicaSet pods are named "<replicaset>-<suffix>": the same ReplicaSet's pods created after the
        # intent are the replacement. (StatefulSet pods keep their name and were found above.)
        replica_set = name.rsplit("-", 1)[0]
        hosts = []
        for candidate in self._list_pods(namespace):
            owner = _controller(candidate)
            created = candidate.metadata.creation_timestamp
            if owner is None or owner.kind != "ReplicaSet" or owner.name != replica_set:
                continue
            if isinstance(created, datetime) and created.timestamp() + SKEW_SECONDS < since:
                continue
            if candidate.spec.node_name:
                hosts.append(candidate.spec.node_name)
        if move.to_host in hosts:
            return move.to_host
        return hosts[0] if len(hosts) == 1 else None

    # --- steps ------------------------------------------------------------------------------

    def _read_pod(self, namespace: str, name: str) -> client.V1Pod | None:
        try:
            return self.core.read_namespaced_pod(name, namespace)
        except client.ApiException as error:
            if error.status == 404:
                return None
            raise MoveFailed(f"cannot read pod {namespace}/{name}: {_status_message(error)}") from None

    def _list_pods(self, namespace: str) -> list[client.V1Pod]:
        try:
            return list(self.core.list_namespaced_pod(namespace).items or [])
        except client.ApiException as error:
            raise MoveFailed(f"cannot list pods in {namespace}: {_status_message(error)}") from None

    def _target_refuses(self, node_name: str) -> str | None:
        try:
            node = self.core.read_node(node_name)
        except client.ApiException as error:
            if error.status == 404:
                return "gone"
            raise MoveFailed(f"cannot read node {node_name}: {_status_message(error)}") from None
        return _node_refuses(node)

    def _evict(self, pod: client.V1Pod, deadline: float, *, dry_run: bool = False) -> None:
        meta = pod.metadata
        body = client.V1Eviction(
            api_version="policy/v1",
            kind="Eviction",
            metadata=client.V1ObjectMeta(name=meta.name, namespace=meta.namespace),
            delete_options=client.V1DeleteOptions(preconditions=client.V1Preconditions(uid=meta.uid)),
        )
        wait = self.backoff
        while True:
            try:
                self.core.create_namespaced_pod_eviction(
                    meta.name, meta.namespace, body, **({"dry_run": "All"} if dry_run else {})
                )
            except client.ApiException as error:
                if error.status in (404, 409):
                    # gone already, or the name now belongs to a newer pod: this pod is not running
                    self.log.append(f"{meta.namespace}/{meta.name}: already gone ({error.status})")
                    return
                if error.status != 429:
                    raise MoveFailed(
                        f"eviction of {meta.namespace}/{meta.name} refused: {_status_message(error)}"
                    ) from None
                message = _status_message(error)
                pause = max(wait, _retry_after(error) or 0.0)
                if self.clock() + pause > deadline:
                    raise MoveDeferred(
                        f"eviction of {meta.namespace}/{meta.name} refused ({message}); not forced"
                        + (" (server-side dry run)" if dry_run else "")
                    ) from None
                self.log.append(
                    f"{meta.namespace}/{meta.name}: eviction refused ({message}); retry in {pause:g}s"
                )
                self.sleep(pause)
                wait = min(wait * 2, self.max_backoff)
                continue
            self.log.append(
                f"{meta.namespace}/{meta.name}: {'eviction allowed (dry run)' if dry_run else 'evicted'}"
            )
            return

    def _wait_bound(
        self, namespace: str, owner: _Owner, known: set[str], deadline: float, move: Move
    ) -> client.V1Pod:
        while True:
            for candidate in self._list_pods(namespace):
                ref = _controller(candidate)
                if ref is None or ref.uid != owner.uid or candidate.metadata.uid in known:
                    continue
                if candidate.spec.node_name:
                    return candidate
            if self.clock() + self.poll > deadline:
                raise MoveFailed(
                    f"{move.workload} was evicted, but no replacement from {owner.kind} {owner.name} "
                    f"was scheduled within {self.timeout:g}s"
                )
            self.sleep(self.poll)

    def _wait_running(self, namespace: str, name: str, deadline: float, node: str) -> None:
        while True:
            pod = self._read_pod(namespace, name)
            phase: Any = pod.status.phase if pod is not None and pod.status else None
            if pod is not None and phase == "Running":
                return
            if pod is None or phase in ("Failed", "Succeeded"):
                raise MoveFailed(f"replacement {namespace}/{name} on {node} ended ({phase or 'gone'})")
            if self.clock() + self.poll > deadline:
                raise MoveFailed(
                    f"replacement {namespace}/{name} is on {node} but not running "
                    f"after {self.timeout:g}s (phase {phase})"
                )
            self.sleep(self.poll)
