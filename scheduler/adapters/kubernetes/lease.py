"""Leader election through a coordination.k8s.io/v1 Lease, so that only one of several
``govcloud serve`` replicas applies plans.

:meth:`LeaderLease.acquire` takes the Lease when it is free, expired or already ours, and renews it;
every write carries the resourceVersion it read (optimistic concurrency), so of two replicas racing
for an expired Lease exactly one wins. The holder calls it before each apply; a standby takes over
once the holder has not renewed for ``duration`` seconds, or at once after :meth:`release`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kubernetes import client


def _now() -> datetime:
    return datetime.now(UTC)


class LeaderLease:
    def __init__(
        self, api: client.ApiClient, namespace: str, name: str, identity: str, duration: int
    ) -> None:
        self.api = client.CoordinationV1Api(api)
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.duration = duration

    def __repr__(self) -> str:
        return f"LeaderLease({self.namespace}/{self.name}, {self.identity!r})"

    def _spec(self, acquired: datetime | None, transitions: int) -> client.V1LeaseSpec:
        now = _now()
        return client.V1LeaseSpec(
            holder_identity=self.identity,
            lease_duration_seconds=self.duration,
            acquire_time=acquired or now,
            renew_time=now,
            lease_transitions=transitions,
        )

    def acquire(self) -> bool:
        """Whether this replica holds the Lease now (taking or renewing it). API errors propagate."""
        try:
            lease = self.api.read_namespaced_lease(self.name, self.namespace)
        except client.ApiException as error:
            if error.status != 404:
                raise
            body = client.V1Lease(
                metadata=client.V1ObjectMeta(name=self.name, namespace=self.namespace),
                spec=self._spec(None, 0),
            )
            try:
                self.api.create_namespaced_lease(self.namespace, body)
            except client.ApiException as race:
                if race.status == 409:  # another replica created it first
                    return False
                raise
            return True
        spec = lease.spec or client.V1LeaseSpec()
        holder = spec.holder_identity
        renewed = spec.renew_time or spec.acquire_time
        expired = (
            renewed is None
            or renewed + timedelta(seconds=spec.lease_duration_seconds or self.duration) < _now()
        )
        if holder and holder != self.identity and not expired:
            return False
        ours = holder == self.identity
        transitions = (spec.lease_transitions or 0) + (0 if ours else 1)
        lease.spec = self._spec(spec.acquire_time if ours else None, transitions)
        try:  # the resourceVersion read above makes this a compare-and-swap
            self.api.replace_namespaced_lease(self.name, self.namespace, lease)
        except client.ApiException as race:
            if race.status == 409:
                return False
            raise
        return True

    def release(self) -> None:
        """Give the Lease up (when held), so a standby takes over without waiting for expiry."""
        try:
            lease = self.api.read_namespaced_lease(self.name, self.namespace)
        except client.ApiException as error:
            if error.status == 404:
                return
            raise
        if lease.spec is None or lease.spec.holder_identity != self.identity:
            return
        lease.spec.holder_identity = None
        lease.spec.renew_time = None
        try:
            self.api.replace_namespaced_lease(self.name, self.namespace, lease)
        except client.ApiException as race:
            if race.status != 409:
                raise
