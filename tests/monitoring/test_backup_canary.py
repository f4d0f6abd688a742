"""The backup RPO canary on an in-memory store: lag per replica, the RPO beside it, a failing store."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from monitoring.backup_canary import (
    CANARY_OBJECT,
    BackupCanary,
    CanaryCollector,
    CanaryStoreError,
    canary_targets,
)
from stacks import load_stack
from tests.cli.process import ROOT

SPEC = load_stack(ROOT / "stacks" / "dev.yaml").spec


class MemoryStore:
    """Containers as dicts; ``sync`` copies a primary's canary to its replicas, as container sync would."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], float] = {}
        self.broken: set[str] = set()

    def write(self, region: str, container: str, name: str, stamp: float) -> None:
        if container in self.broken:
            raise CanaryStoreError(f"{container} refused")
        self.objects[(region, container, name)] = stamp

    def read(self, region: str, container: str, name: str) -> float | None:
        if container in self.broken:
            raise CanaryStoreError(f"{container} refused")
        return self.objects.get((region, container, name))

    def sync(self, tenant: str) -> None:
        for t in canary_targets(SPEC):
            if t.tenant == tenant:
                self.objects[(t.region, t.container, CANARY_OBJECT)] = self.objects[
                    (t.home_region, t.primary, CANARY_OBJECT)
                ]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def scrape(canary: BackupCanary) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CanaryCollector(canary))
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted((k, v) for k, v in s.labels.items() if k in ("tenant", "container")))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def key(name: str, tenant: str, container: str | None = None) -> tuple[str, tuple[tuple[str, str], ...]]:
    labels = [("tenant", tenant)] + ([("container", container)] if container else [])
    return (name, tuple(sorted(labels)))


def test_targets_are_every_replica_with_its_rpo() -> None:
    found = [
        (t.tenant, t.home_region, t.primary, t.region, t.container, t.rpo_seconds)
        for t in canary_targets(SPEC)
    ]
    assert found == [
        ("health", "shenyang", "health-backup", "dalian", "health-backup-r1", 900.0),
        ("health", "shenyang", "health-backup", "dalian", "health-backup-r2", 900.0),
        ("edu", "shenyang", "edu-backup", "dalian", "edu-backup-r1", 14400.0),
        ("police", "shenyang", "police-backup", "dalian", "police-backup-r1", 300.0),
        ("police", "shenyang", "police-backup", "dalian", "police-backup-r2", 300.0),
    ]


def test_lag_is_the_age_of_the_newest_canary_a_replica_holds() -> None:
    store, clock = MemoryStore(), Clock(1000.0)
    canary = BackupCanary(SPEC, store, clock)
    assert scrape(canary) == {}, "nothing before the first probe"
    canary.probe()
    first = scrape(canary)
    assert key("govcloud_backup_replication_lag_seconds", "edu", "edu-backup-r1") not in first
    assert first[key("govcloud_backup_rpo_seconds", "police")] == 300.0
    assert first[key("govcloud_backup_canary_up", "edu", "edu-backup-r1")] == 1.0

    store.sync("edu")
    store.sync("police")  # health's replicas never receive anything
    clock.now = 1060.0
    canary.probe()
    store.sync("edu")
    clock.now = 1120.0
    canary.probe()
    metrics = scrape(canary)
    lag = "govcloud_backup_replication_lag_seconds"
    assert metrics[key(lag, "edu", "edu-backup-r1")] == 60.0  # holds the canary of t=1060
    assert metrics[key(lag, "police", "police-backup-r1")] == 120.0  # last synced the canary of t=1000
    assert metrics[key(lag, "health", "health-backup-r1")] == 120.0  # nothing since the first write
    assert metrics[key(lag, "health", "health-backup-r2")] == 120.0


def test_a_store_that_fails_marks_the_replica_down_and_the_others_go_on() -> None:
    store, clock = MemoryStore(), Clock(50.0)
    canary = BackupCanary(SPEC, store, clock)
    store.broken.add("police-backup")
    canary.probe()
    metrics = scrape(canary)
    assert metrics[key("govcloud_backup_canary_up", "police", "police-backup-r1")] == 0.0
    assert metrics[key("govcloud_backup_canary_up", "edu", "edu-backup-r1")] == 1.0
    store.broken.clear()
    store.broken.add("health-backup-r2")
    clock.now = 110.0
    canary.probe()
    metrics = scrape(canary)
    assert metrics[key("govcloud_backup_canary_up", "health", "health-backup-r2")] == 0.0
    assert metrics[key("govcloud_backup_canary_up", "health", "health-backup-r1")] == 1.0
    assert metrics[key("govcloud_backup_canary_up", "police", "police-backup-r1")] == 1.0
