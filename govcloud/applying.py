"""Applying a plan from the command line: the ``--apply`` options and the call into the applier.

Shared by every command that moves workloads. Without ``--apply`` a live source gets a dry run (what
would move, within the limits, against the live state now); with it, the moves go through
:func:`scheduler.apply.applier.apply_plan` with a journal, so an interrupted run resumes on the next call.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

import platformdirs

from govcloud.console import bad_input, make_console
from govcloud.exit_codes import ExitCode
from govcloud.sources import SourceError, executor_from_args, kubernetes_client, source_kind
from scheduler.adapters.kubernetes.errors import KubernetesSourceError
from scheduler.adapters.openstack.source import OpenStackSourceError
from scheduler.apply.applier import apply_plan, unfinished_plan
from scheduler.apply.executor import Executor
from scheduler.apply.journal import Journal, JournalError, RunJournal
from scheduler.apply.limits import ApplyLimits
from scheduler.apply.report import ApplyReport, Step
from scheduler.apply.source import InventorySource
from scheduler.model.inventory_file import InventoryError
from scheduler.model.plan import Plan
from scheduler.planning.rebalance import Planner

# Everything a source, executor or journal raises for input or environment problems (exit 2).
SOURCE_ERRORS = (SourceError, InventoryError, OpenStackSourceError, KubernetesSourceError, JournalError)


def move_count(text: str) -> int:
    """A move limit (``--max-moves`` and friends): a whole number >= 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of moves >= 0")
    return int(text)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def add_apply_arguments(parser: argparse.ArgumentParser) -> None:
    """``--apply``, ``--journal``, ``--max-moves``, ``--max-moves-per-zone``, ``--max-moves-per-tenant``,
    ``--concurrency``."""
    parser.add_argument(
        "--apply",
        action="store_true",
        help="carry out the plan on the live source (default: dry run, nothing moves)",
    )
    parser.add_argument(
        "--dry-run",
        choices=("client", "server"),
        default="client",
        help="without --apply: 'server' also asks the live API for each move without changing anything "
        "(Kubernetes: evictions with dryRun=All, so PodDisruptionBudget refusals show)",
    )
    parser.add_argument(
        "--journal",
        metavar="FILE|configmap:NAMESPACE/NAME",
        help="applier journal, in an existing folder; an unfinished run in it is resumed (default: "
        "journal-SOURCE.jsonl in the per-user state folder, $XDG_STATE_HOME/govcloud or "
        "~/.local/state/govcloud, created when missing); with --kubernetes, configmap:NAMESPACE/NAME "
        "keeps it in that ConfigMap, so that another replica resumes the run",
    )
    parser.add_argument("--max-moves", type=move_count, metavar="N", help="at most N moves per plan and run")
    parser.add_argument(
        "--max-moves-per-zone", type=move_count, metavar="N", help="at most N moves touch a zone"
    )
    parser.add_argument(
        "--max-moves-per-tenant", type=move_count, metavar="N", help="at most N moves per tenant"
    )
    parser.add_argument(
        "--concurrency", type=_positive, default=1, metavar="N", help="moves in flight at once (default 1)"
    )


def default_journal(kind: str) -> Path:
    """The journal of a live source of ``kind`` in the per-user state folder (whatever the working
    folder, so a resume started elsewhere finds the unfinished run)."""
    return platformdirs.user_state_path("govcloud") / f"journal-{kind}.jsonl"


def journal_path(args: argparse.Namespace) -> Path:
    """The journal ``--journal`` names, or the default for the source (its folder is made on first use).

    JournalError when ``--journal`` is under a folder that does not exist: a mistyped path should not
    silently start a second journal, away from the one holding an unfinished run.
    """
    if not getattr(args, "journal", None):
        return default_journal(source_kind(args))
    path = Path(args.journal)
    if not path.parent.is_dir():
        reason = "is not a folder" if path.parent.exists() else "does not exist"
        raise JournalError(f"{path}: cannot use this journal: the folder {path.parent} {reason}")
    return path


CONFIGMAP = "configmap:"
_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")


def journal_from_args(args: argparse.Namespace) -> RunJournal:
    """The journal ``--journal`` names: a file, or (``configmap:NAMESPACE/NAME``, Kubernetes) a
    ConfigMap. SourceError for a ConfigMap spec that is malformed or used without ``--kubernetes``."""
    spec = getattr(args, "journal", None) or ""
    if not spec.startswith(CONFIGMAP):
        return Journal(journal_path(args))
    namespace, _, name = spec.removeprefix(CONFIGMAP).partition("/")
    if source_kind(args) != "kubernetes":
        raise SourceError(f"--journal {spec!r}: a ConfigMap journal needs --kubernetes")
    bad = [part for part in (namespace, name) if not _NAME.fullmatch(part)]
    if bad:
        raise SourceError(
            f"--journal {spec!r}: expected configmap:NAMESPACE/NAME with Kubernetes names "
            f"(lower-case letters, digits, '-' and '.'), got {bad[0]!r}"
        )
    from scheduler.adapters.kubernetes.journal import ConfigMapJournal

    return ConfigMapJournal(kubernetes_client(args.kubeconfig, args.kube_context), namespace, name)


def limits_from_args(args: argparse.Namespace) -> ApplyLimits:
    """The applier's limits from the ``--max-moves*`` and ``--concurrency`` options."""
    return ApplyLimits(
        per_run=args.max_moves,
        per_zone=args.max_moves_per_zone,
        per_tenant=args.max_moves_per_tenant,
        concurrency=args.concurrency,
    )


def resumable_plan(args: argparse.Namespace, journal: RunJournal | None = None) -> Plan | None:
    """For a live source, the plan of an unfinished run in the journal (``journal``, else the one the
    options name): ``--apply`` resumes it instead of re-planning, and a dry run shows what that resume
    would do."""
    if source_kind(args) == "inventory":
        return None
    return unfinished_plan(journal or journal_from_args(args))


def check_apply(args: argparse.Namespace) -> None:
    """SourceError when ``--apply`` is asked of a source that cannot move anything (a file)."""
    if args.apply and source_kind(args) == "inventory":
        raise SourceError(
            f"--apply needs a live source (--openstack or --kubernetes): workloads in an inventory file "
            f"({args.inventory}) cannot be moved"
        )


def apply_from_args(
    args: argparse.Namespace,
    source: InventorySource,
    plan: Plan,
    planner: Planner | None,
    executor: Executor | None = None,
    journal: RunJournal | None = None,
    after_step: Callable[[Step], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> ApplyReport | None:
    """Dry-run or apply ``plan`` as the options say; None for a file source without ``--apply``.

    ``executor`` and ``journal`` default to the ones the options name (a long-running caller builds
    them once); ``after_step`` is called after each step is printed (``serve`` renews its Lease); ``stop``
    (``serve``: SIGTERM was received) ends the run after the moves in flight, left to resume.
    Raises SourceError when ``--apply`` is asked of a source that cannot move anything.
    """
    check_apply(args)
    if source_kind(args) == "inventory":
        return None
    executor = executor or executor_from_args(args)
    if executor is None:  # pragma: no cover - every live source has an executor
        raise SourceError(f"no executor for {source_kind(args)}")
    err = make_console(stderr=True)

    def progress(step: Step) -> None:
        move = step.move
        why = f" ({step.reason})" if step.reason else ""
        err.print(
            f"{step.status}: {move.workload} {move.from_host} -> {move.to_host}{why}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        if after_step is not None:
            after_step(step)

    return apply_plan(
        plan,
        source,
        executor,
        journal=journal or journal_from_args(args),
        limits=limits_from_args(args),
        dry_run=not args.apply,
        server_dry_run=getattr(args, "dry_run", "client") == "server",
        planner=planner,
        on_step=progress,
        stop=stop,
    )


def exit_code(report: ApplyReport | None) -> int:
    """0 when nothing failed (or nothing was applied), 1 when a move failed or ended unknown."""
    return ExitCode.OK if report is None or report.ok else ExitCode.FINDINGS


def source_error(error: Exception) -> int:
    """Print a source/journal error (no traceback) and return the bad-input exit code."""
    return bad_input(error.problems if isinstance(error, InventoryError) else (str(error),))
