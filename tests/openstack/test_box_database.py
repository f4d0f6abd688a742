"""The box's MariaDB on its own: a datadir under DIR, one database per service, stopped by ``down``.

Brought up alone on a free port (not the box's fixed 13306), so it neither needs nor waits for the
machine-wide box lock.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.openstack import box_config, box_layout, box_processes
from tests.openstack import openstack_box as box

pytestmark = pytest.mark.openstack


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((box.HOST, 0))
        return probe.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_mariadb_serves_every_service_database_and_down_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box.ensure_installed()
    monkeypatch.setitem(box.PORTS, "mariadb", _free_port())
    (tmp_path / "log").mkdir()
    started = box.Box(tmp_path)
    try:
        started.mariadb()
        pids = json.loads((tmp_path / "pids.json").read_text())
        assert set(pids) == {"mariadb"}
        assert (tmp_path / "mariadb" / "data" / "mysql").is_dir()
        client = shutil.which("mariadb") or shutil.which("mysql")
        assert client is not None
        listed = subprocess.run(
            [client, "--no-defaults", f"-h{box.HOST}", f"-P{box.PORTS['mariadb']}", f"-u{box_layout.DB_USER}",
             f"-p{box.PASSWORD}", "-N", "-e", "SHOW DATABASES"],
            capture_output=True, text=True, check=True, timeout=30,
        )  # fmt: skip
        assert set(box_layout.DATABASES) <= set(listed.stdout.split())
        url = box_config.database_url(tmp_path, "nova")
        assert url.startswith("mysql+pymysql://") and url.endswith(
            f":{box.PORTS['mariadb']}/nova?charset=utf8"
        )
    finally:
        box.down(tmp_path)
    assert not _group_alive(pids["mariadb"])
    assert not (tmp_path / "pids.json").exists()
    assert not box_processes.port_open(box.PORTS["mariadb"])


def test_service_configs_point_at_mariadb(tmp_path: Path) -> None:
    box_config.write_configs(tmp_path)
    for conf in (
        "keystone.conf",
        "placement.conf",
        "glance-api.conf",
        "neutron.conf",
        "cinder.conf",
        "nova.conf",
    ):
        text = (tmp_path / "etc" / conf).read_text()
        assert "mysql+pymysql://" in text, conf
        assert "sqlite" not in text, conf
    assert (tmp_path / "etc" / "nova_cell0_url").read_text().endswith("/nova_cell0?charset=utf8")
