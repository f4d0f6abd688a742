"""``govcloud serve --openstack --stack FILE`` against the box, for the backup RPO canary tests.

Also writes the test stacks those tests need: the dev stack with a shorter RPO, so that the shipped
``GovcloudBackupRpoBreached`` rule (unchanged, ``for: 2m``) can fire within a test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import yaml

from stacks import load_stack
from tests.cli.process import ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(stack: Path, env: Mapping[str, str], log: Path, interval: str = "2s") -> Iterator[int]:
    """``govcloud serve --openstack --stack STACK`` in the background; yields its metrics port.

    Its output goes to ``log`` (a pipe nobody reads would fill up and stall it); it is stopped with
    SIGTERM on leaving the block and must then exit 0.
    """
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "govcloud",
                "serve",
                "--openstack",
                "--stack",
                str(stack),
                "--interval",
                interval,
                "--listen",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=out,
        )
    try:
        yield port
        assert proc.poll() is None, f"serve stopped early:\n{log.read_text()}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text()


def stack_with_rpo(source: Path, minutes: int, target: Path) -> Path:
    """``source`` with every classification's RPO set to ``minutes``, written to ``target`` (and loadable)."""
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    for protection in document["classifications"].values():
        protection["rpo_minutes"] = minutes
    for tenant in document["tenants"]:
        if (tenant.get("backup") or {}).get("rpo_minutes") is not None:
            tenant["backup"]["rpo_minutes"] = minutes
    target.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_stack(target)  # a stack serve would refuse fails here, not as a silent serve exit
    return target
