"""`govcloud serve --kubernetes --apply` as a process against the recorded cluster (a loopback server).

The loop refreshes from the recorded API, plans, evicts through the applier and counts what it did in
/metrics; when the API server stops answering it keeps the last good metrics and counts the errors.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scheduler.adapters.kubernetes.source import KubernetesSource
from scheduler.planning.rebalance import rebalance
from tests.cli.process import govcloud, started
from tests.kubernetes.recorded_api import RecordedApi, Reply, serve
from tests.kubernetes.test_kubernetes_cli import VICTIM, kubeconfig, moving_cluster
from tests.monitoring.conftest import free_port
from tests.monitoring.scrape import DEADLINE, Samples, wait_for

EVICTION = ("POST", VICTIM + "/eviction")
APPLIED = ("govcloud_rebalancer_moves_applied_total", frozenset())
FAILED = ("govcloud_rebalancer_moves_failed_total", frozenset())
REFRESH_ERRORS = ("govcloud_rebalancer_refresh_errors_total", frozenset())
PLANNED_A_TO_B = ("govcloud_plan_moves", frozenset({("from_zone", "zone-a"), ("to_zone", "zone-b")}))
OK_RUNS = ("govcloud_rebalancer_runs_total", frozenset({("outcome", "ok")}))


def _zone_cpu(zone: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return ("govcloud_zone_utilization_ratio", frozenset({("zone", zone), ("resource", "cpu")}))


@contextmanager
def serving(api: RecordedApi, tmp_path: Path, *extra: str) -> Iterator[tuple[subprocess.Popen, int]]:
    """``govcloud serve --kubernetes`` on ``api`` every 200 ms, killed if the test left it running."""
    with serve(api) as api_client:
        port = free_port()
        with started(
            "serve",
            "--kubernetes",
            "--kubeconfig",
            str(kubeconfig(tmp_path, api_client.configuration.host)),
            "--journal",
            str(tmp_path / "journal.jsonl"),
            "--listen",
            f"127.0.0.1:{port}",
            "--interval",
            "200ms",
            *extra,
        ) as proc:
            yield proc, port


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err
    return err


def test_apply_evicts_counts_the_move_and_survives_the_api_going_away(tmp_path: Path) -> None:
    api = moving_cluster()
    api.routes[EVICTION] = api.routes[EVICTION][1:]  # accepted at once (the 429 retry is tested elsewhere)
    with serving(api, tmp_path, "--apply") as (proc, port):
        moved = wait_for(port, proc, lambda s: s.get(APPLIED, 0) >= 1)
        assert moved[FAILED] == 0
        assert moved[("govcloud_rebalancer_apply_enabled", frozenset())] == 1
        # Later iterations read the cluster after the move: nothing left to move, nothing counted twice.
        settled = wait_for(port, proc, lambda s: s[OK_RUNS] >= moved[OK_RUNS] + 2)
        assert settled[APPLIED] == 1
        assert settled.get(PLANNED_A_TO_B) is None
        assert api.calls(*EVICTION) == 1
        assert not any(seen.method == "DELETE" for seen in api.requests)

        api.hang_up()
        broken = wait_for(port, proc, lambda s: s.get(REFRESH_ERRORS, 0) >= 2)
        # the last good observation stays: same utilization, same counters, no new successful run
        for key in (_zone_cpu("zone-a"), _zone_cpu("zone-b"), APPLIED):
            assert broken[key] == settled[key]
        assert broken[("govcloud_rebalancer_runs_total", frozenset({("outcome", "refresh_error")}))] >= 2
        assert broken[OK_RUNS] <= settled[OK_RUNS] + 1  # at most the run in flight when it hung up
        err = _stop(proc)
    assert "inventory refresh" in err and "cannot list nodes" in err
    assert "done: health/his-7d9f8c6b5-k9m2p a2 -> b1" in err
    journal = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert [entry["event"] for entry in journal] == ["run", "intent", "outcome", "end"]


def test_a_refused_eviction_counts_failed_moves_and_the_loop_goes_on(tmp_path: Path) -> None:
    forbidden = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "his-7d9f8c6b5-k9m2p" is forbidden: cannot create resource "pods/eviction"',
        "reason": "Forbidden",
        "code": 403,
    }
    api = moving_cluster()
    api.routes[EVICTION] = [Reply(403, forbidden)]

    def failed_twice(samples: Samples) -> bool:
        return samples.get(FAILED, 0) >= 2

    with serving(api, tmp_path, "--apply") as (proc, port):
        samples = wait_for(port, proc, failed_twice)
        assert samples[APPLIED] == 0
        assert samples[PLANNED_A_TO_B] == 1  # nothing moved, so the same move is planned again
        err = _stop(proc)
    assert "eviction of health/his-7d9f8c6b5-k9m2p refused" in err and "forbidden" in err
    assert not any(seen.method == "DELETE" for seen in api.requests)


def test_without_apply_nothing_is_evicted(tmp_path: Path) -> None:
    api = moving_cluster()
    with serving(api, tmp_path) as (proc, port):
        samples = wait_for(port, proc, lambda s: s.get(OK_RUNS, 0) >= 2)
        assert samples[PLANNED_A_TO_B] == 1
        assert samples[("govcloud_rebalancer_apply_enabled", frozenset())] == 0
        _stop(proc)
    assert not any(seen.method == "POST" for seen in api.requests)
    assert not (tmp_path / "journal.jsonl").exists()


def test_bad_kubeconfig_exits_2_before_serving(tmp_path: Path) -> None:
    done = govcloud("serve", "--kubernetes", "--kubeconfig", str(tmp_path / "nope"), "--apply")
    assert done.returncode == 2
    assert "cannot configure Kubernetes access" in done.stderr and "Traceback" not in done.stderr


def test_apply_first_resumes_an_unfinished_run_from_the_journal(tmp_path: Path) -> None:
    # A previous process journaled its intent (at 03:29:50 UTC, before the recorded replacement was
    # created), the eviction went through, and it died before the outcome. The cluster now shows the
    # replacement on b1: serve settles the move as done and never evicts again.
    api = moving_cluster()
    with serve(api) as api_client:
        plan = rebalance(KubernetesSource(api_client).load(), hosts=False)  # as serve plans for Kubernetes
    (move,) = plan.moves
    baseline = {"health/Deployment/his": 1}
    (tmp_path / "journal.jsonl").write_text(
        json.dumps(
            {
                "v": 1,
                "event": "run",
                "run": "r1",
                "time": 1.0,
                "plan": plan.to_json(),
                "baseline_groups": baseline,
            }
        )
        + "\n"
        + json.dumps({"event": "intent", "run": "r1", "time": 1795750190.0, "move": move.to_json()})
        + "\n"
    )
    api = moving_cluster()
    for key, replies in api.routes[EVICTION][1].then.items():
        api.routes[key] = list(replies)
    with serving(api, tmp_path, "--apply") as (proc, port):
        samples = wait_for(port, proc, lambda s: s.get(APPLIED, 0) >= 1)
        assert samples[FAILED] == 0
        settled = wait_for(port, proc, lambda s: s[OK_RUNS] >= samples[OK_RUNS] + 2)
        assert settled[APPLIED] == 1
        err = _stop(proc)
    assert api.calls(*EVICTION) == 0
    assert "in the planned zone" in err and "after an interrupted run" in err
    events = [json.loads(line)["event"] for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert events == ["run", "intent", "outcome", "end"]


def test_an_unreadable_journal_exits_2_before_serving(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_text("not json\n{}\n")
    config = kubeconfig(tmp_path, "http://127.0.0.1:9")
    done = govcloud(
        "serve", "--kubernetes", "--kubeconfig", str(config), "--journal", str(journal), "--apply"
    )
    assert done.returncode == 2
    assert str(journal) in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--journal", "configmap:govcloud"), "expected configmap:NAMESPACE/NAME with Kubernetes names"),
        (("--journal", "configmap:Gov/journal"), "got 'Gov'"),
        (("--journal", "configmap:govcloud/"), "got ''"),
        (
            ("--journal", "configmap:govcloud/journal"),
            "configmap govcloud/journal: Kubernetes API unreachable",
        ),
        (("--lease-duration", "10s"), "--lease-duration needs --leader-lease"),
    ],
)
def test_bad_journal_or_lease_options_exit_2_before_serving(
    tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    config = kubeconfig(tmp_path, "http://127.0.0.1:9")
    done = govcloud("serve", "--kubernetes", "--kubeconfig", str(config), "--apply", *options)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
