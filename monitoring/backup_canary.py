"""The backup RPO canary: how old is the newest data each off-site replica holds, against the RPO.

Each probe first reads, in every replica container of every tenant with replicas, the canary object
the previous probes wrote into the tenant's primary container (a Unix time as its body), then writes a
fresh one into the primary. A replica's lag is ``now`` minus the newest canary it holds: everything
written before that moment has reached it, so the lag bounds the data a loss of the home region would
lose (its resolution is the probe interval). A replica that never received a canary lags since the
first write. The container sync itself is Swift's; the canary only watches it.

Storage is behind :class:`CanaryStore` (the Swift one is ``govcloud/backup_store.py``), so the canary is
tested without a cloud.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily, Metric

from stacks.naming import container_name
from stacks.replica import backup_plan
from stacks.spec import StackSpec

CANARY_OBJECT = ".govcloud-rpo-canary"

LAG = "govcloud_backup_replication_lag_seconds"
RPO = "govcloud_backup_rpo_seconds"
UP = "govcloud_backup_canary_up"
FAMILIES = (LAG, RPO, UP)


class CanaryStoreError(Exception):
    """The store could not be read or written (a failed probe, shown as ``govcloud_backup_canary_up 0``)."""


class CanaryStore(Protocol):
    """Where the canaries live: one object per container, its body a Unix time. Fails with CanaryStoreError."""

    def write(self, region: str, container: str, name: str, stamp: float) -> None: ...

    def read(self, region: str, container: str, name: str) -> float | None:
        """The stamp in the object, None when the object is not there."""
        ...


@dataclass(frozen=True)
class ReplicaTarget:
    tenant: str
    level: str
    home_region: str
    primary: str
    region: str
    container: str
    rpo_seconds: float


def canary_targets(spec: StackSpec) -> list[ReplicaTarget]:
    """Every off-site replica container of the stack, with its tenant's primary and RPO."""
    targets = []
    for tenant in spec.tenants:
        plan = backup_plan(spec, tenant)
        for replica in plan.replicas:
            targets.append(
                ReplicaTarget(
                    tenant.name,
                    tenant.classification.value,
                    plan.home_region,
                    container_name(tenant.name),
                    replica.region,
                    container_name(tenant.name, replica.index),
                    plan.rpo_minutes * 60.0,
                )
            )
    return targets


@dataclass(frozen=True)
class ReplicaLag:
    target: ReplicaTarget
    lag_seconds: float | None
    """None before any canary was written, or when the replica could not be read."""
    ok: bool
    """False when reading the replica (or writing its primary) failed at the last probe."""


class BackupCanary:
    """Probes every replica of a stack and keeps the last result for the exporter."""

    def __init__(self, spec: StackSpec, store: CanaryStore, clock: Callable[[], float] = time.time) -> None:
        self.targets = canary_targets(spec)
        self._store = store
        self._clock = clock
        self._first_write: dict[str, float] = {}
        self._lock = threading.Lock()
        self._last: list[ReplicaLag] = []

    @property
    def last(self) -> list[ReplicaLag]:
        with self._lock:
            return list(self._last)

    def probe(self) -> list[ReplicaLag]:
        now = self._clock()
        results = []
        for target in self.targets:
            try:
                stamp = self._store.read(target.region, target.container, CANARY_OBJECT)
                ok = True
            except CanaryStoreError:
                stamp, ok = None, False
            if stamp is None:
                first = self._first_write.get(target.tenant)
                lag = None if first is None else now - first
            else:
                lag = max(now - stamp, 0.0)
            results.append(ReplicaLag(target, lag, ok))
        written: dict[str, bool] = {}
        for target in self.targets:
            if target.tenant in written:
                continue
            try:
                self._store.write(target.home_region, target.primary, CANARY_OBJECT, now)
                self._first_write.setdefault(target.tenant, now)
                written[target.tenant] = True
            except CanaryStoreError:
                written[target.tenant] = False
        results = [
            r if written.get(r.target.tenant, True) else ReplicaLag(r.target, r.lag_seconds, False)
            for r in results
        ]
        with self._lock:
            self._last = results
        return results

    def run_forever(self, interval: float, stop: threading.Event) -> None:
        while not stop.is_set():
            self.probe()
            stop.wait(interval)


class CanaryCollector:
    """The canary's last probe as metrics (nothing before the first probe)."""

    def __init__(self, canary: BackupCanary) -> None:
        self._canary = canary

    def collect(self) -> Iterator[Metric]:
        results = self._canary.last
        if not results:
            return
        labels = ("tenant", "level", "region", "container")
        lag = GaugeMetricFamily(
            LAG,
            "Age of the newest canary the off-site replica holds: data older than this has been replicated.",
            labels=labels,
        )
        up = GaugeMetricFamily(
            UP, "1 when the last canary probe of the replica succeeded, else 0.", labels=labels
        )
        rpo = GaugeMetricFamily(
            RPO, "Recovery point objective of the tenant's data.", labels=("tenant", "level")
        )
        seen: set[str] = set()
        for r in results:
            t = r.target
            values = (t.tenant, t.level, t.region, t.container)
            if r.lag_seconds is not None:
                lag.add_metric(values, r.lag_seconds)
            up.add_metric(values, 1.0 if r.ok else 0.0)
            if t.tenant not in seen:
                seen.add(t.tenant)
                rpo.add_metric((t.tenant, t.level), t.rpo_seconds)
        yield lag
        yield rpo
        yield up
