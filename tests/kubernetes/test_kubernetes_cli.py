"""`govcloud inventory --kubernetes` and `govcloud rebalance --kubernetes` against the recorded cluster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from recorded_api import RecordedApi, cluster_routes, serve

from scheduler.inventory_file import parse_inventory


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


def govcloud(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "govcloud", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_inventory_export_is_a_valid_inventory_file(tmp_path: Path) -> None:
    api = RecordedApi(cluster_routes())
    with serve(api) as api_client:
        config = kubeconfig(tmp_path, api_client.configuration.host)
        done = govcloud("inventory", "--kubernetes", "--kubeconfig", str(config))
    assert done.returncode == 0, done.stderr
    inv = parse_inventory(yaml.safe_load(done.stdout), "stdout")
    assert [z.name for z in inv.zones] == ["unzoned", "zone-a", "zone-b"]
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
