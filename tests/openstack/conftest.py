"""Hooks for the tests against the real OpenStack in a box (marker ``openstack``).

The box's session fixtures (``openstack_box``, ``os_conn``, ``box_log_dir``) live in
``tests/openstack/box_fixtures.py`` and are registered once for the whole run by ``tests/conftest.py``,
so ``tests/openstack`` and ``tests/engine`` share one box. A failed bring-up fails every test that
needs it, with the services' log tails; it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.openstack import box_processes
from tests.openstack import openstack_box as box


@pytest.fixture(autouse=True)
def _log_tail_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """Attaches the Nova logs' tails to a failing box test, so a failure says what the cloud saw."""
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and "openstack_box" in request.fixturenames:
        env: box.BoxEnv = request.getfixturevalue("openstack_box")
        request.node.add_report_section(
            "call", "openstack logs", box_processes.all_log_tails(env.directory, 20)
        )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
