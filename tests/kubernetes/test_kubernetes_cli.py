"""`govcloud inventory --kubernetes` and `govcloud rebalance --kubernetes` against the recorded cluster."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from scheduler.model.inventory_file import parse_inventory
from tests.cli.process import govcloud
from tests.kubernetes.recorded_api import RecordedApi, Reply, cluster_routes, fixture, serve


def kubeconfig(tmp_path: Path, server: str) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "recorded", "cluster": {"server": server}}],
                "users": [{"name": "govcloud", "user": {"token": "recorded-token"}}],
                "contexts": [{"name": "recorded", "context": {"cluster": "recorded", "user": "govcloud"}}],
                "current-context": "recorded",
            }
        )
    )
    return path


def test_inventory_export_is_a_valid_inventory_file(tmp_path: Path) -> None:
    api = RecordedApi(cluster_routes())
    with serve(api) as api_client:
        config = kubeconfig(tmp_path, api_client.configuration.host)
        done = govcloud("inventory", "--kubernetes", "--kubeconfig", str(config))
    assert done.returncode == 0, done.stderr
    inv = parse_inventory(yaml.safe_load(done.stdout), "stdout")
    assert [z.name for z in inv.zones] == ["zone-a", "zone-b"]
    assert inv.workload("health/db-0").allowed_zones == frozenset({"zone-a"})
    assert not inv.workload("tax/cache-0").movable
    # the client sent the kubeconfig's credentials
    assert api.calls("GET", "/api/v1/nodes") == 1


def test_unreachable_cluster_is_bad_input_not_a_traceback(tmp_path: Path) -> None:
    config = kubeconfig(tmp_path, "http://127.0.0.1:9")  # discard port: nothing listens
    done = govcloud("inventory", "--kubernetes", "--kubeconfig", str(config))
    assert done.returncode == 2
    assert "cannot list nodes" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_kubeconfig_is_bad_input(tmp_path: Path) -> None:
    done = govcloud("inventory", "--kubernetes", "--kubeconfig", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert "cannot configure Kubernetes access" in done.stderr
    assert "Traceback" not in done.stderr


VICTIM = "/api/v1/namespaces/health/pods/his-7d9f8c6b5-k9m2p"
HEALTH_PODS = "/api/v1/namespaces/health/pods"


def moving_cluster() -> RecordedApi:
    """The recorded cluster, where evicting health/his-...-k9m2p (on a2) brings a replacement up on b1."""
    after = {
        ("GET", "/api/v1/pods"): [Reply.of("pods-after-move.json")],
        ("GET", HEALTH_PODS): [Reply.of("eviction/health-pods-k9m2p-replaced.json")],
        ("GET", VICTIM): [Reply.of("eviction/not-found.json", 404)],
    }
    routes = cluster_routes()
    routes.update(
        {
            ("GET", VICTIM): [Reply.of("eviction/pod-his-k9m2p.json")],
            ("GET", "/api/v1/nodes/b1"): [Reply.of("eviction/node-b1.json")],
            ("GET", HEALTH_PODS): [Reply.of("eviction/health-pods-before.json")],
            ("POST", VICTIM + "/eviction"): [
                Reply.of("eviction/too-many-requests.json", 429, **{"Retry-After": "1"}),
                Reply.of("eviction/created.json", 201).switching(after),
            ],
            ("GET", "/api/v1/namespaces/health/pods/his-7d9f8c6b5-n4v8w"): [
                Reply.of("eviction/pod-his-n4v8w-running.json")
            ],
        }
    )
    # The executor's steering taint (PreferNoSchedule on the nodes outside the target zone): each node
    # answers reads and patches with its recorded self (tests/k8s checks the taint on a real server).
    for node in fixture("nodes.json")["items"]:
        path = f"/api/v1/nodes/{node['metadata']['name']}"
        routes.setdefault(("GET", path), [Reply(200, node)])
        routes[("PATCH", path)] = [Reply(200, node)]
    return RecordedApi(routes)


def rebalance(config: Path, journal: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return govcloud(
        "rebalance", "--kubernetes", "--kubeconfig", str(config), "--journal", str(journal), "--json", *extra
    )


def test_rebalance_dry_run_moves_nothing(tmp_path: Path) -> None:
    api = moving_cluster()
    with serve(api) as api_client:
        done = rebalance(kubeconfig(tmp_path, api_client.configuration.host), tmp_path / "j.jsonl")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert [m["workload"] for m in out["moves"]] == ["health/his-7d9f8c6b5-k9m2p"]
    assert out["apply"]["dry_run"] is True
    assert [s["status"] for s in out["apply"]["steps"]] == ["would-move"]
    assert not any(seen.method == "POST" for seen in api.requests)
    assert not (tmp_path / "j.jsonl").exists()


def test_rebalance_apply_defers_a_pdb_refusal_then_a_later_run_evicts_and_journals(tmp_path: Path) -> None:
    api = moving_cluster()
    journal = tmp_path / "j.jsonl"
    with serve(api) as api_client:
        config = kubeconfig(tmp_path, api_client.configuration.host)
        deferred = rebalance(config, journal, "--apply")
        done = rebalance(config, journal, "--apply")
    assert deferred.returncode == 0, deferred.stderr  # deferred is not a failure
    first = json.loads(deferred.stdout)["apply"]["steps"]
    assert [(s["workload"], s["status"]) for s in first] == [("health/his-7d9f8c6b5-k9m2p", "skipped")]
    assert first[0]["reason"].startswith("deferred: eviction of health/his-7d9f8c6b5-k9m2p refused")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["apply"]
    assert [(s["workload"], s["to_host"], s["status"]) for s in report["steps"]] == [
        ("health/his-7d9f8c6b5-k9m2p", "b1", "done")
    ]
    assert report["after"]["imbalance"] < report["before"]["imbalance"]
    assert api.calls("POST", VICTIM + "/eviction") == 2  # one 429 (PDB) in the first run, then accepted
    assert not any(seen.method == "DELETE" for seen in api.requests)
    events = [json.loads(line)["event"] for line in journal.read_text().splitlines()]
    assert events == ["run", "intent", "outcome", "end"] * 2


def test_rebalance_apply_resumes_a_crashed_run_without_evicting_again(tmp_path: Path) -> None:
    # A first run journaled its intent (at 03:29:50 UTC), the eviction went through and the process
    # died before writing the outcome. The cluster now shows the replacement on b1.
    api = moving_cluster()
    journal = tmp_path / "j.jsonl"
    with serve(api) as api_client:
        config = kubeconfig(tmp_path, api_client.configuration.host)
        planned = json.loads(rebalance(config, tmp_path / "dry.jsonl").stdout)
        plan = {k: planned[k] for k in ("moves", "before", "after")}
        move = plan["moves"][0]
        journal.write_text(
            json.dumps(
                {
                    "v": 1,
                    "event": "run",
                    "run": "r1",
                    "time": 1795750180.0,
                    "plan": plan,
                    "baseline_groups": {"health/Deployment/his": 1},
                }
            )
            + "\n"
            + json.dumps({"event": "intent", "run": "r1", "time": 1795750190.0, "move": move})
            + "\n"
        )
        for key, replies in moving_cluster().routes[("POST", VICTIM + "/eviction")][1].then.items():
            api.routes[key] = list(replies)
        dry = rebalance(config, journal)
        done = rebalance(config, journal, "--apply")
    # the dry run shows what resuming will record, and records nothing
    assert dry.returncode == 0, dry.stderr
    dry_report = json.loads(dry.stdout)["apply"]
    assert (dry_report["dry_run"], dry_report["resumed"]) == (True, True)
    assert [s["status"] for s in dry_report["steps"]] == ["done"]
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["apply"]
    assert report["resumed"] is True
    assert [(s["workload"], s["status"]) for s in report["steps"]] == [("health/his-7d9f8c6b5-k9m2p", "done")]
    assert "interrupted" in report["steps"][0]["reason"]
    assert api.calls("POST", VICTIM + "/eviction") == 0
    assert [json.loads(line)["event"] for line in journal.read_text().splitlines()][-2:] == ["outcome", "end"]


def test_a_journal_under_a_missing_folder_is_bad_input_and_nothing_moves(tmp_path: Path) -> None:
    api = moving_cluster()
    journal = tmp_path / "no-such-folder" / "j.jsonl"
    with serve(api) as api_client:
        done = rebalance(kubeconfig(tmp_path, api_client.configuration.host), journal, "--apply")
    assert done.returncode == 2, done.stderr
    assert f"{journal}: cannot use this journal: the folder {journal.parent} does not exist" in done.stderr
    assert "Traceback" not in done.stderr
    assert not journal.parent.exists()
    assert not any(seen.method == "POST" for seen in api.requests)


def test_the_default_journal_is_in_the_per_user_state_folder(tmp_path: Path) -> None:
    api = moving_cluster()
    state = tmp_path / "state"
    with serve(api) as api_client:
        config = kubeconfig(tmp_path, api_client.configuration.host)
        argv = ("rebalance", "--kubernetes", "--kubeconfig", str(config), "--json", "--apply")
        deferred = govcloud(*argv, env={"XDG_STATE_HOME": str(state)})
    assert deferred.returncode == 0, deferred.stderr
    journal = state / "govcloud" / "journal-kubernetes.jsonl"
    events = [json.loads(line)["event"] for line in journal.read_text().splitlines()]
    assert events == ["run", "intent", "outcome", "end"]
