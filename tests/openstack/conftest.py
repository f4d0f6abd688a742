"""Session fixtures for the tests against the real OpenStack in a box (marker ``openstack``).

The box comes up once per test run and goes down at its end. A failed bring-up fails every test
that needs it, with the services' log tails; it never skips.
"""

from __future__ import annotations

import fcntl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.openstack import openstack_box as box

_FAILED: list[str] = []
LOCK_FILE = Path("/tmp/govcloud-openstack-box.lock")


@pytest.fixture(scope="session")
def openstack_box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[box.BoxEnv]:
    """A running box: Keystone ... Nova with computes compute1..3 in sy-az1..3."""
    if _FAILED:
        pytest.fail(_FAILED[0], pytrace=False)
    try:
        box.ensure_installed()
    except subprocess.CalledProcessError as error:
        _FAILED.append(f"installing the OpenStack packages failed: {error}")
        pytest.fail(_FAILED[0], pytrace=False)
    directory = tmp_path_factory.mktemp("openstack-box")
    # One box per machine: its services listen on fixed ports, so a second test run waits here.
    lock = _machine_lock()
    started = time.monotonic()
    try:
        env = box.up(directory)
    except box.BoxError as error:
        lock.close()
        _FAILED.append(f"OpenStack box bring-up failed:\n{error}")
        pytest.fail(_FAILED[0], pytrace=False)
    print(f"\nopenstack box up in {time.monotonic() - started:.1f} s: {dict(env.timings)}")
    try:
        yield env
    finally:
        box.down(directory)
        lock.close()


def _machine_lock() -> IO[str]:
    """An exclusive lock on the box's ports for this machine (released when the handle closes)."""
    handle = open(LOCK_FILE, "a+")  # noqa: SIM115 - held for the whole session, closed in the fixture
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    return handle


@pytest.fixture(scope="session")
def os_conn(openstack_box: box.BoxEnv) -> Any:
    """The admin connection to the box."""
    return openstack_box.connect()


@pytest.fixture(scope="session")
def box_log_dir(openstack_box: box.BoxEnv) -> Path:
    return openstack_box.directory / "log"


@pytest.fixture(autouse=True)
def _log_tail_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """Attaches the Nova logs' tails to a failing box test, so a failure says what the cloud saw."""
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and "openstack_box" in request.fixturenames:
        env: box.BoxEnv = request.getfixturevalue("openstack_box")
        request.node.add_report_section("call", "openstack logs", box.all_log_tails(env.directory, 20))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
