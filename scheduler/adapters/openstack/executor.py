"""Carries out one move on OpenStack: a live migration to the planned host, watched until it ends."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from scheduler.adapters.openstack.source import workload_names
from scheduler.apply.executor import MoveFailed
from scheduler.model.move import Move

log = logging.getLogger(__name__)


class OpenStackExecutor:
    """An :class:`~scheduler.apply.executor.Executor` that live-migrates Nova servers.

    The planned host is passed to Nova, which still runs its scheduler checks (no ``force``), so a
    target that became unfit since planning is refused instead of overloaded. ``migrate`` returns
    once the server is ACTIVE on ``move.to_host`` with no task running, and raises ``MoveFailed``
    when Nova refuses, the migration ends elsewhere or in ERROR, or ``timeout`` seconds pass.
    """

    def __init__(
        self,
        connection: Any,
        *,
        timeout: float = 180.0,
        poll: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.conn = connection
        self.timeout = timeout
        self.poll = poll
        self._clock = clock
        self._sleep = sleep

    def migrate(self, move: Move) -> None:
        from openstack import exceptions

        server = self._find(move.workload)
        if self._settled_on(server, move.to_host):
            log.info("%s already runs on %s", move.workload, move.to_host)
            return
        if server.compute_host != move.from_host:
            raise MoveFailed(f"{move.workload} runs on {server.compute_host}, not on {move.from_host}")
        if server.status != "ACTIVE" or server.task_state is not None:
            raise MoveFailed(f"{move.workload} is {server.status}/{server.task_state}, not ACTIVE and idle")
        log.info("live-migrating %s from %s to %s", move.workload, move.from_host, move.to_host)
        try:
            self.conn.compute.live_migrate_server(server, host=move.to_host, block_migration="auto")
        except exceptions.SDKException as error:
            raise MoveFailed(
                f"Nova refused to move {move.workload} to {move.to_host}: {_message(error)}"
            ) from error
        self._wait(move, server.id)

    def _wait(self, move: Move, server_id: str) -> None:
        from openstack import exceptions

        deadline = self._clock() + self.timeout
        started = False
        while True:
            try:
                server = self.conn.compute.get_server(server_id)
            except exceptions.NotFoundException as error:
                raise MoveFailed(f"{move.workload} disappeared during its migration") from error
            except exceptions.HttpException as error:
                # A server-side hiccup while watching says nothing about the migration: keep watching.
                if (error.status_code or 0) < 500 or self._clock() > deadline:
                    raise MoveFailed(f"watching {move.workload} failed: {_message(error)}") from error
                log.warning("watching %s: %s; retrying", move.workload, _message(error))
                self._sleep(self.poll)
                continue
            if server.status == "ERROR":
                raise MoveFailed(f"{move.workload} went to ERROR during its migration")
            if server.task_state is not None:
                started = True
            elif server.status == "ACTIVE" and (started or server.compute_host != move.from_host):
                if server.compute_host == move.to_host:
                    return
                raise MoveFailed(
                    f"live migration of {move.workload} ended on {server.compute_host}, not {move.to_host}"
                    f"{self._migration_status(server_id)}"
                )
            if self._clock() > deadline:
                raise MoveFailed(
                    f"{move.workload} not ACTIVE on {move.to_host} after {self.timeout:.0f} s "
                    f"(now {server.status}/{server.task_state} on {server.compute_host})"
                )
            self._sleep(self.poll)

    def _migration_status(self, server_id: str) -> str:
        try:
            migrations = list(self.conn.compute.migrations(instance_uuid=server_id))
        except Exception:  # the reason is a nicety; never mask the failure itself
            return ""
        if not migrations:
            return ""
        last = max(migrations, key=lambda m: m.created_at or "")
        return f" (migration {last.status})"

    def _find(self, workload: str) -> Any:
        projects = {p.id: p.name for p in self.conn.identity.projects()}
        servers = list(self.conn.compute.servers(details=True, all_projects=True))
        ref = workload_names(servers, projects).get(workload)
        if ref is None:
            raise MoveFailed(f"{workload}: no such server")
        return next(s for s in servers if s.id == ref.id)

    @staticmethod
    def _settled_on(server: Any, host: str) -> bool:
        return server.compute_host == host and server.status == "ACTIVE" and server.task_state is None


def _message(error: Exception) -> str:
    details = getattr(error, "details", None)
    return str(details or error).strip()
