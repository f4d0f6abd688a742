"""``govcloud serve``: the long-running rebalancer loop with a Prometheus /metrics endpoint.

The source options are every command's (``govcloud.sources``), the ``--apply`` options
rebalance's (``govcloud.applying``). :func:`serve` takes any ``InventorySource`` and an optional apply
callable; with ``--apply`` on a live source that callable goes through the journaled applier.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from govcloud import __version__
from govcloud.applying import (
    SOURCE_ERRORS,
    add_apply_arguments,
    apply_from_args,
    check_apply,
    journal_from_args,
    resumable_plan,
    source_error,
)
from govcloud.backup_store import SwiftCanaryStore
from govcloud.console import bad_input, make_console
from govcloud.durations import parse_interval
from govcloud.exit_codes import ExitCode
from govcloud.sources import (
    SourceError,
    add_source_arguments,
    executor_from_args,
    kubernetes_client,
    openstack_region_connector,
    source_from_args,
    source_kind,
)
from govcloud.strategy_options import add_strategy_arguments, planner_from_args
from govcloud.usage_options import add_forecast_settings, add_usage_arguments, forecast_of
from monitoring.backup_canary import BackupCanary, CanaryCollector
from monitoring.capacity import CapacityForecast
from monitoring.capacity_metrics import CapacityCollector, CapacityHolder, CapacityRefresher
from monitoring.collector import build_exporter
from monitoring.observation import Observation
from monitoring.server import ListenAddress, ListenError, parse_listen, serve_metrics
from scheduler.apply.journal import DONE, FAILED, UNKNOWN
from scheduler.apply.loop import ApplyFn, ApplyOutcome, RebalanceLoop
from scheduler.apply.report import ApplyReport, Step
from scheduler.apply.source import InventorySource
from scheduler.model.plan import Plan
from scheduler.planning.rebalance import Planner
from stacks import load_stack

if TYPE_CHECKING:
    from scheduler.adapters.kubernetes.lease import LeaderLease


def _listen(text: str) -> ListenAddress:
    try:
        return parse_listen(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="refresh, plan (and apply) in a loop; serve Prometheus metrics",
        description=(
            "Refresh the inventory every interval, plan a rebalancing, apply it only with --apply (live "
            "sources, through the journaled applier and its limits, as `govcloud rebalance --apply`), and "
            "serve the cloud's and the loop's metrics at /metrics. A failed refresh keeps the last good "
            "metrics and counts the error. Stops cleanly on SIGTERM or Ctrl-C (an --apply run in progress "
            "after its move in flight, left in the journal to resume). Exit 2 for bad input or "
            "when the address cannot be served."
        ),
    )
    add_source_arguments(parser)
    add_apply_arguments(parser)
    add_strategy_arguments(parser)
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        type=_listen,
        default=ListenAddress("127.0.0.1", 9464),
        help="address for /metrics (default 127.0.0.1:9464; [::1]:9464 for IPv6)",
    )
    parser.add_argument(
        "--interval",
        metavar="DURATION",
        type=parse_interval,
        default=60.0,
        help="time between iterations, e.g. 30s, 5m, 1h (default 60s)",
    )
    parser.add_argument(
        "--leader-lease",
        metavar="NAMESPACE/NAME",
        help="with --kubernetes --apply: apply only while holding this coordination.k8s.io Lease, so "
        "that of several replicas one applies (renewed each iteration and after each move; released "
        "on SIGTERM; a standby takes over when it is released or not renewed for --lease-duration)",
    )
    parser.add_argument(
        "--lease-duration",
        metavar="DURATION",
        type=parse_interval,
        help="with --leader-lease: how long the Lease holds without renewal (default 3 intervals, at "
        "least 60s); keep it longer than one move takes",
    )
    add_usage_arguments(parser)
    add_forecast_settings(parser)
    parser.add_argument(
        "--forecast-interval",
        metavar="DURATION",
        type=parse_interval,
        default=3600.0,
        help="with --prometheus: time between capacity forecasts (default 1h)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        check_apply(args)
        if source_kind(args) == "inventory" and not Path(args.inventory).is_file():
            raise SourceError(f"{args.inventory}: no such file")
        source = source_from_args(args)
        if source_kind(args) == "inventory":
            source.load()  # an invalid file is bad input at start, not a loop logging errors forever
        planner = planner_from_args(args)
        lease = leader_lease(args) if args.apply else None
        stop = threading.Event()  # set on SIGTERM/SIGINT: the applier stops after the move in flight
        apply = live_applier(args, source, planner, lease, stop.is_set) if args.apply else None
        canary = backup_canary(args)
    except SOURCE_ERRORS as error:
        return source_error(error)
    capacity = None
    if args.prometheus:

        def capacity(observation: Observation | None) -> CapacityForecast | None:
            return None if observation is None else forecast_of(args, observation.inventory)

    return serve(
        source,
        planner=planner,
        max_moves=args.max_moves,
        listen=args.listen,
        interval=args.interval,
        apply=apply,
        capacity=capacity,
        forecast_interval=args.forecast_interval,
        canary=canary,
        on_stop=None if lease is None else lease.release,
        stop=stop,
    )


def backup_canary(args: argparse.Namespace) -> BackupCanary | None:
    """With ``--openstack --stack FILE``: the RPO canary over the stack's backup replicas."""
    if source_kind(args) != "openstack" or not args.stack:
        return None
    spec = load_stack(args.stack).spec
    canary = BackupCanary(spec, SwiftCanaryStore(openstack_region_connector(args.os_cloud)))
    return canary if canary.targets else None


class LeaseLost(Exception):
    """Another replica holds the Lease now: this one stops applying at once."""


def live_applier(
    args: argparse.Namespace,
    source: InventorySource,
    planner: Planner,
    lease: LeaderLease | None = None,
    stop: Callable[[], bool] | None = None,
) -> ApplyFn:
    """Apply each plan through the applier with the options' journal and limits.

    An unfinished run in the journal (a crash, an error mid-run, a leader that died) is resumed first,
    on its own plan, even when the fresh plan is empty: that iteration's fresh plan waits for the next
    one, which plans from the state the resume left. With a ``lease``, only its holder applies, and it
    renews the Lease after every move; a holder that lost it stops the run (:class:`LeaseLost`), which
    the new holder resumes from the journal. Once ``stop`` says True (serve got SIGTERM), the run
    ends after the move in flight, unfinished in the journal, and no new run starts.
    Raises a SOURCE_ERRORS error when the executor or the journal cannot be set up.
    """
    executor = executor_from_args(args)
    journal = journal_from_args(args)
    resumable_plan(args, journal)  # a journal that cannot be read is bad input now, not every iteration

    def renew(step: Step) -> None:
        if lease is not None and not lease.acquire():
            raise LeaseLost(f"{lease!r} was taken over; stopping after {step.move.workload}")

    def apply(plan: Plan) -> ApplyOutcome:
        if stop is not None and stop():
            return ApplyOutcome(0, 0)
        if lease is not None and not lease.acquire():
            logging.getLogger(__name__).info("not applying: %r is held by another replica", lease)
            return ApplyOutcome(0, 0)
        unfinished = resumable_plan(args, journal)
        if unfinished is None and not plan.moves:
            return ApplyOutcome(0, 0)
        report = apply_from_args(args, source, unfinished or plan, planner, executor, journal, renew, stop)
        if report is not None and stop is not None and stop() and report.stopped:
            logging.getLogger(__name__).info(
                "stopping: %s (the run %s stays in the journal)", report.stopped, report.run
            )
        return ApplyOutcome(0, 0) if report is None else outcome_of(report)

    return apply


def leader_lease(args: argparse.Namespace) -> LeaderLease | None:
    """The Lease ``--leader-lease`` names (Kubernetes only), or None."""
    if not getattr(args, "leader_lease", None):
        if getattr(args, "lease_duration", None) is not None:
            raise SourceError("--lease-duration needs --leader-lease")
        return None
    namespace, sep, name = args.leader_lease.partition("/")
    if source_kind(args) != "kubernetes" or not sep or not namespace or not name:
        raise SourceError(f"--leader-lease {args.leader_lease!r}: needs --kubernetes and NAMESPACE/NAME")
    from scheduler.adapters.kubernetes.lease import LeaderLease

    identity = f"{socket.gethostname()}-{os.getpid()}"
    duration = args.lease_duration or max(60, 3 * args.interval)
    return LeaderLease(
        kubernetes_client(args.kubeconfig, args.kube_context),
        namespace,
        name,
        identity,
        max(1, round(duration)),
    )


def outcome_of(report: ApplyReport) -> ApplyOutcome:
    """Moves this call completed and failed (outcomes settled by an earlier process are not counted)."""
    fresh = [step.status for step in report.steps if not step.resumed]
    return ApplyOutcome(applied=fresh.count(DONE), failed=fresh.count(FAILED) + fresh.count(UNKNOWN))


def serve(
    source: InventorySource,
    *,
    planner: Planner,
    max_moves: int | None = None,
    listen: ListenAddress,
    interval: float,
    apply: ApplyFn | None = None,
    capacity: Callable[[Observation | None], CapacityForecast | None] | None = None,
    forecast_interval: float = 3600.0,
    canary: BackupCanary | None = None,
    on_stop: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run the loop on ``source`` and serve /metrics until SIGTERM or SIGINT; the exit code.

    ``on_stop`` runs once the loop has stopped (a leader releases its Lease), before "stopped".
    ``stop`` is the event SIGTERM and SIGINT set (one the ``apply`` callable also watches, so that a
    run in progress ends after its move in flight); by default a fresh one.

    With ``capacity`` (the forecast of the latest observation's inventory, None before the first one)
    the capacity families are refreshed every ``forecast_interval`` seconds in a background thread.
    A ``canary`` probes the backup replicas every ``interval`` in a thread of its own.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    err = make_console(stderr=True)
    exporter = build_exporter(__version__)
    if canary is not None:
        exporter.live.register(CanaryCollector(canary))
    try:
        server = serve_metrics(exporter.body, listen)
    except ListenError as error:
        return bad_input([str(error)])
    stop = stop if stop is not None else threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    mode = "planning and applying" if apply else "planning only"
    err.print(
        f"serving metrics on http://{listen}/metrics; {mode} every {interval:g}s from {source!r}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if capacity is not None:
        holder = CapacityHolder()
        exporter.live.register(CapacityCollector(holder))
        CapacityRefresher(lambda: capacity(exporter.holder.current), holder, forecast_interval).start(stop)
    probing = None
    if canary is not None:
        probing = threading.Thread(target=canary.run_forever, args=(interval, stop), daemon=True)
        probing.start()
        err.print(f"probing {len(canary.targets)} backup replica(s) every {interval:g}s", highlight=False)
    try:
        loop = RebalanceLoop(source, planner, exporter.observer, max_moves=max_moves, apply=apply)
        loop.run_forever(interval, stop)
    finally:
        stop.set()
        if probing is not None:
            probing.join(timeout=interval + 30)
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if on_stop is not None:
            try:
                on_stop()
            except Exception as error:  # the process ends anyway; the Lease then expires
                logging.getLogger(__name__).error("on stop: %s: %s", type(error).__name__, error)
    err.print("stopped", highlight=False)
    return ExitCode.OK
