"""KubernetesExecutor against recorded API responses: eviction, PDB 429s, where the replacement lands."""

from __future__ import annotations

import pytest

from scheduler.adapters.kubernetes.executor import KubernetesExecutor
from scheduler.apply.executor import MoveDeferred, MoveFailed
from scheduler.model.move import Move
from tests.kubernetes.recorded_api import RecordedApi, Reply, fixture, serve

POD = "/api/v1/namespaces/health/pods/his-7d9f8c6b5-x2x7q"
EVICTION = POD + "/eviction"
PODS = "/api/v1/namespaces/health/pods"
REPLACEMENT = "/api/v1/namespaces/health/pods/his-7d9f8c6b5-n4v8w"
MOVE = Move("health/his-7d9f8c6b5-x2x7q", "health", "a1", "b1", "zone-a", "zone-b")
OLD_UID = fixture("eviction/pod-his-x2x7q.json")["metadata"]["uid"]


class FakeClock:
    """Time that only advances when the executor sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def routes(
    evictions: list[Reply], pods_after: list[Reply], target: str = "eviction/node-b1.json"
) -> dict[tuple[str, str], list[Reply]]:
    return {
        ("GET", POD): [Reply.of("eviction/pod-his-x2x7q.json")],
        ("GET", "/api/v1/nodes/b1"): [Reply.of(target)],
        ("GET", PODS): [Reply.of("eviction/health-pods-before.json"), *pods_after],
        ("POST", EVICTION): evictions,
        ("GET", REPLACEMENT): [
            Reply.of("eviction/pod-his-n4v8w-pending.json"),
            Reply.of("eviction/pod-his-n4v8w-running.json"),
        ],
    }


def run(api: RecordedApi, move: Move = MOVE, timeout: float = 120.0) -> tuple[KubernetesExecutor, FakeClock]:
    clock = FakeClock()
    with serve(api) as api_client:
        executor = KubernetesExecutor(
            api_client,
            timeout=timeout,
            poll=1.0,
            backoff=5.0,
            pdb_wait=timeout,
            steer=False,  # steering is tested against a real control plane (tests/k8s)
            clock=clock,
            sleep=clock.sleep,
        )
        try:
            executor.migrate(move)
        finally:
            assert not any(seen.method == "DELETE" for seen in api.requests), "never forced by a delete"
    return executor, clock


def test_eviction_retried_after_429_then_replacement_runs_on_target() -> None:
    api = RecordedApi(
        routes(
            evictions=[
                Reply.of("eviction/too-many-requests.json", 429),
                Reply.of("eviction/too-many-requests.json", 429),
                Reply.of("eviction/created.json", 201),
            ],
            pods_after=[
                Reply.of("eviction/health-pods-terminating.json"),
                Reply.of("eviction/health-pods-replacement-pending-b1.json"),
            ],
        )
    )
    executor, clock = run(api)
    assert api.calls("POST", EVICTION) == 3
    # exponential backoff between refused evictions, then polls for the replacement and its start
    assert clock.sleeps == [5.0, 10.0, 1.0, 1.0]
    sent = next(seen.body for seen in api.requests if seen.method == "POST")
    assert sent["kind"] == "Eviction" and sent["apiVersion"] == "policy/v1"
    assert sent["metadata"] == {"name": "his-7d9f8c6b5-x2x7q", "namespace": "health"}
    assert sent["deleteOptions"]["preconditions"] == {"uid": OLD_UID}
    assert "disruption budget his needs 2 healthy pods" in executor.log[0]
    assert (
        executor.log[-1]
        == "health/his-7d9f8c6b5-x2x7q: replaced by health/his-7d9f8c6b5-n4v8w on b1 (zone-b)"
    )


def test_pdb_that_never_allows_is_not_forced_but_deferred() -> None:
    api = RecordedApi(
        routes(evictions=[Reply.of("eviction/too-many-requests.json", 429)], pods_after=[]),
    )
    with pytest.raises(MoveDeferred, match=r"refused \(Cannot evict pod .*\); not forced"):
        run(api, timeout=60.0)
    assert api.calls("POST", EVICTION) == 4  # at 0, 5, 15, 35 s; the next try would be past 60 s


def test_server_retry_after_is_honoured() -> None:
    api = RecordedApi(
        routes(
            evictions=[
                Reply.of("eviction/too-many-requests.json", 429, **{"Retry-After": "30"}),
                Reply.of("eviction/created.json", 201),
            ],
            pods_after=[Reply.of("eviction/health-pods-replacement-pending-b1.json")],
        )
    )
    _, clock = run(api)
    assert clock.sleeps[0] == 30.0


def test_replacement_placed_in_another_zone_is_a_failed_move() -> None:
    api = RecordedApi(
        routes(
            evictions=[Reply.of("eviction/created.json", 201)],
            pods_after=[Reply.of("eviction/health-pods-replacement-running-a2.json")],
        )
    )
    api.routes[("GET", "/api/v1/nodes/a2")] = [Reply.of("eviction/node-a2.json")]
    with pytest.raises(
        MoveFailed, match="placed its replacement his-7d9f8c6b5-n4v8w on a2 in zone zone-a, not in zone-b"
    ):
        run(api)


def test_cordoned_target_means_no_eviction() -> None:
    api = RecordedApi(routes(evictions=[Reply.of("eviction/created.json", 201)], pods_after=[]))
    api.routes[("GET", "/api/v1/nodes/b2")] = [Reply.of("eviction/node-b2.json")]
    move = Move(MOVE.workload, "health", "a1", "b2", "zone-a", "zone-b")
    with pytest.raises(MoveFailed, match=r"target node b2 is cordoned; .* was not evicted"):
        run(api, move)
    assert api.calls("POST", EVICTION) == 0


def test_pod_no_longer_on_source_host_is_not_evicted() -> None:
    api = RecordedApi(routes(evictions=[Reply.of("eviction/created.json", 201)], pods_after=[]))
    move = Move(MOVE.workload, "health", "a2", "b1", "zone-a", "zone-b")
    with pytest.raises(MoveFailed, match="runs on a1, not on a2"):
        run(api, move)
    assert api.calls("POST", EVICTION) == 0


def test_no_replacement_within_timeout() -> None:
    api = RecordedApi(
        routes(
            evictions=[Reply.of("eviction/created.json", 201)],
            pods_after=[Reply.of("eviction/health-pods-terminating.json")],
        )
    )
    with pytest.raises(
        MoveFailed, match="no replacement from ReplicaSet his-7d9f8c6b5 was scheduled within 10s"
    ):
        run(api, timeout=10.0)


def test_locate_finds_the_replacement_after_a_crash() -> None:
    api = RecordedApi(
        {
            ("GET", POD): [Reply.of("eviction/not-found.json", 404)],
            ("GET", PODS): [Reply.of("eviction/health-pods-replacement-running-b1.json")],
        }
    )
    with serve(api) as api_client:
        executor = KubernetesExecutor(api_client)
        # the intent was journaled at 03:29:50 UTC; the replacement was created at 03:30:01
        assert executor.locate(MOVE, since=1795750190.0) == "b1"
        # an intent from a day later: the pod found then cannot be its replacement
        assert executor.locate(MOVE, since=1795750190.0 + 86400) is None


def test_implements_the_executor_protocol_and_locator() -> None:
    from scheduler.apply.applier import Locator
    from scheduler.apply.executor import Executor

    with serve(RecordedApi({})) as api_client:
        executor = KubernetesExecutor(api_client)
    assert isinstance(executor, Executor) and isinstance(executor, Locator)
