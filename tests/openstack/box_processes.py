"""Starting the box's services in their own process groups, waiting for them, and a minimal REST client."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tests.openstack.box_layout import (
    HOST,
    INSTALL_SCRIPT,
    PASSWORD,
    SYSTEM_PYTHON,
    BoxError,
)

# ---------------------------------------------------------------------------------------------
# Processes


class Processes:
    """Starts services in their own process groups and records their PIDs as they start."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.logs = directory / "log"
        self.pidfile = directory / "pids.json"
        self._lock = threading.Lock()
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=self.directory,
            start_new_session=True,
        )
        log.close()
        with self._lock:
            self.started[name] = proc
            pids = json.loads(self.pidfile.read_text()) if self.pidfile.exists() else {}
            pids[name] = proc.pid
            self.pidfile.write_text(json.dumps(pids, indent=1))

    def run(self, name: str, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        """Runs a one-shot setup command to completion; its output goes to ``log/NAME.log``."""
        with (self.logs / f"{name}.log").open("ab") as log:
            done = subprocess.run(
                list(argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                cwd=self.directory,
                check=False,
            )
        if done.returncode != 0:
            raise BoxError(f"{name} exited with {done.returncode}\n{log_tail(self.logs / f'{name}.log')}")

    def check_alive(self, name: str) -> None:
        proc = self.started[name]
        if proc.poll() is not None:
            raise BoxError(f"{name} exited with {proc.returncode}\n{log_tail(self.logs / f'{name}.log')}")


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a service log, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"({path} missing)"
    return f"--- tail of {path} ---\n" + "\n".join(text.splitlines()[-lines:])


def all_log_tails(directory: Path, lines: int = 15) -> str:
    logs = sorted((directory / "log").glob("*.log"))
    return "\n".join(log_tail(p, lines) for p in logs)


def py_entry(target: str, *args: str) -> list[str]:
    """argv running ``module:function`` under Debian's Python as if it were a console script."""
    module, func = target.split(":")
    code = f"import sys; from {module} import {func} as m; sys.argv[0] = {func!r}; sys.exit(m())"
    return [SYSTEM_PYTHON, "-c", code, *args]


def wait_for(what: str, probe: Callable[[], bool], alive: Callable[[], None], timeout: float) -> None:
    """Polls ``probe`` until true; ``alive`` raises when the service behind it died meanwhile."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        alive()
        if probe():
            return
        if time.monotonic() > deadline:
            raise BoxError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


def http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (OSError, urllib.error.URLError):
        return False


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


def mariadb_daemon() -> str:
    """Debian's MariaDB server binary (``mariadbd``, ``mysqld`` on older packages)."""
    for name in ("mariadbd", "mysqld"):
        for found in (shutil.which(name), f"/usr/sbin/{name}"):
            if found and os.access(found, os.X_OK):
                return found
    raise BoxError(f"MariaDB server not installed: run {INSTALL_SCRIPT} first")


# ---------------------------------------------------------------------------------------------
# Minimal Keystone / Nova REST client (stdlib only)


class RestClient:
    def __init__(self, auth_url: str) -> None:
        self.auth_url = auth_url
        self._token: str | None = None
        self.catalog: list[dict[str, object]] = []

    def token(self) -> str:
        if self._token is None:
            body = {
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {
                            "user": {"name": "admin", "domain": {"id": "default"}, "password": PASSWORD}
                        },
                    },
                    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
                }
            }
            req = urllib.request.Request(
                f"{self.auth_url}/auth/tokens",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(req, timeout=30) as resp:
                self._token = resp.headers["X-Subject-Token"]
                self.catalog = json.loads(resp.read())["token"].get("catalog", [])
        return self._token

    def call(
        self, method: str, url: str, body: object | None = None, headers: Mapping[str, str] | None = None
    ) -> dict[str, object]:
        req = urllib.request.Request(
            url,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-Auth-Token": self.token(), **(headers or {})},
            method=method,
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            data = resp.read()
        return json.loads(data) if data else {}
