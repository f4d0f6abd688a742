"""Shared helpers for the monitoring tests: the dev inventory, free ports, running the CLI."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.cli.process import ROOT
from tests.cli.process import govcloud as run_govcloud

HERE = Path(__file__).resolve().parent
RULES = ROOT / "monitoring" / "rules"
DASHBOARD = ROOT / "monitoring" / "dashboards" / "govcloud.json"


def dev_inventory_path() -> Path:
    """The scheduler's example inventory, or this directory's small one until it exists."""
    example = ROOT / "scheduler" / "examples" / "dev-inventory.yaml"
    return example if example.is_file() else HERE / "inventory.yaml"


@pytest.fixture
def dev_inventory() -> Path:
    return dev_inventory_path()


@pytest.fixture
def test_inventory() -> Path:
    """The small, badly balanced inventory whose figures the tests check by hand."""
    return HERE / "inventory.yaml"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def govcloud(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess from the repository root (at most a minute)."""
    return run_govcloud(*args, timeout=60)
