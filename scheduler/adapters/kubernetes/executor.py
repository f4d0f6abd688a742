"""Moves pods by eviction (policy/v1 Eviction API), so PodDisruptionBudgets always hold.

Kubernetes offers no "move this pod to that node": a running pod's node cannot change, and its node
affinity cannot be edited. What the executor can honestly do is evict the pod and let its controller
create a replacement, which the kube-scheduler places. So :meth:`KubernetesExecutor.migrate`:

1. checks the pod still runs on ``move.from_host``, has a controller that will recreate it, and that
   the target node still accepts pods (not cordoned, no NoSchedule/NoExecute taint); else it fails
   without evicting anything;
2. evicts it with a UID precondition (only this very pod); a 429 (a PodDisruptionBudget would be
   violated) is retried with backoff until the timeout, and never forced by a delete;
3. waits for the replacement (a new pod of the same controller) to be bound to a node, and succeeds
   only if that node is ``move.to_host`` and the pod runs there. If the kube-scheduler chose another
   node, the move fails with that node named: the pod moved, but not where the plan said, and the
   applier re-reads the live state and re-plans.

Steering the kube-scheduler (temporarily cordoning or tainting every other node) would affect every
pod scheduled in that window across the cluster, so it is deliberately not done.
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

from scheduler.apply.executor import MoveFailed
from scheduler.model.move import Move

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
    ``max_backoff`` (or after the server's Retry-After when it is longer).
    """

    def __init__(
        self,
        api: client.ApiClient,
        *,
        timeout: float = 600.0,
        poll: float = 2.0,
        backoff: float = 5.0,
        max_backoff: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.core = client.CoreV1Api(api)
        self.timeout = timeout
        self.poll = poll
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.clock = clock
        self.sleep = sleep
        self.log: list[str] = []  # what happened, step by step, for the report and the tests

    def __repr__(self) -> str:
        return f"KubernetesExecutor({self.core.api_client.configuration.host!r})"

    # --- the move ---------------------------------------------------------------------------

    def migrate(self, move: Move) -> None:
        try:
            self._migrate(move)
        except (HTTPError, OSError) as error:  # the API server is unreachable: the move did not finish
            raise MoveFailed(f"{move.workload}: Kubernetes API unreachable: {error}") from None

    def _migrate(self, move: Move) -> None:
        namespace, name = split_name(move.workload)
        deadline = self.clock() + self.timeout
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
        known = {p.metadata.uid for p in self._list_pods(namespace)}
        self._evict(pod, deadline)
        replacement = self._wait_bound(namespace, owner, known, deadline, move)
        node = replacement.spec.node_name
        if node != move.to_host:
            raise MoveFailed(
                f"{move.workload} was evicted; the kube-scheduler placed its replacement "
                f"{replacement.metadata.name} on {node}, not on {move.to_host}"
            )
        self._wait_running(namespace, replacement.metadata.name, deadline, move)
        self.log.append(f"{move.workload}: replaced by {namespace}/{replacement.metadata.name} on {node}")

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

    def _evict(self, pod: client.V1Pod, deadline: float) -> None:
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
                self.core.create_namespaced_pod_eviction(meta.name, meta.namespace, body)
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
                    raise MoveFailed(
                        f"eviction of {meta.namespace}/{meta.name} still refused after {self.timeout:g}s "
                        f"({message}); not forced"
                    ) from None
                self.log.append(
                    f"{meta.namespace}/{meta.name}: eviction refused ({message}); retry in {pause:g}s"
                )
                self.sleep(pause)
                wait = min(wait * 2, self.max_backoff)
                continue
            self.log.append(f"{meta.namespace}/{meta.name}: evicted")
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

    def _wait_running(self, namespace: str, name: str, deadline: float, move: Move) -> None:
        while True:
            pod = self._read_pod(namespace, name)
            phase: Any = pod.status.phase if pod is not None and pod.status else None
            if pod is not None and phase == "Running":
                return
            if pod is None or phase in ("Failed", "Succeeded"):
                raise MoveFailed(
                    f"replacement {namespace}/{name} on {move.to_host} ended ({phase or 'gone'})"
                )
            if self.clock() + self.poll > deadline:
                raise MoveFailed(
                    f"replacement {namespace}/{name} is on {move.to_host} but not running "
                    f"after {self.timeout:g}s (phase {phase})"
                )
            self.sleep(self.poll)
