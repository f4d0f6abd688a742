"""The human view of an applier run (or dry run): each move, what became of it, and the outcome."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scheduler.apply.journal import DONE, FAILED, SKIPPED, UNKNOWN
from scheduler.apply.report import WOULD_MOVE, ApplyReport

STYLES = {DONE: "green", WOULD_MOVE: "cyan", SKIPPED: "yellow", FAILED: "red", UNKNOWN: "red"}


def render_apply(console: Console, report: ApplyReport) -> None:
    """Print ``report`` as a table of steps and a one-line summary."""
    title = "Dry run (nothing moved; --apply to act)" if report.dry_run else "Applied"
    if report.resumed:
        title += f", resuming run {report.run}"
    table = Table(title=title, title_justify="left")
    for column in ("#", "workload", "from", "to", "status", "reason"):
        table.add_column(column, overflow="fold")
    for number, step in enumerate(report.steps, start=1):
        move = step.move
        status = f"[{STYLES.get(step.status, 'white')}]{step.status}[/]" + (
            " (earlier run)" if step.resumed else ""
        )
        table.add_row(
            str(number),
            escape(move.workload),
            escape(f"{move.from_host} ({move.from_zone})"),
            escape(f"{move.to_host} ({move.to_zone})"),
            status,
            escape(step.reason or ""),
        )
    console.print(table)
    for note in report.replans:
        console.print(f"[yellow]re-planned[/]: {escape(str(note))}", highlight=False, soft_wrap=True)
    if report.stopped:
        console.print(f"[yellow]stopped[/]: {escape(str(report.stopped))}", highlight=False, soft_wrap=True)
    counts = ", ".join(
        f"{report.count(status)} {status}"
        for status in (WOULD_MOVE, DONE, SKIPPED, FAILED, UNKNOWN)
        if report.count(status)
    )
    verb = "would reach" if report.dry_run else "now"
    console.print(
        f"{counts or 'no moves'}; imbalance {report.before:.4f} -> {verb} {report.after:.4f}; "
        f"journal {escape(str(report.journal))}",
        highlight=False,
        soft_wrap=True,
    )
