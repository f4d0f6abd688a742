"""Policy violations for people: one table, mandatory ones first, and a one-line verdict."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from policies.inputs import Violation


def render_violations(console: Console, violations: Sequence[Violation]) -> None:
    """A table of policy violations, mandatory ones first (or a line saying there are none)."""
    if not violations:
        console.print("Policies: [green]no violations[/]")
        return
    table = Table(title="Policy violations", title_justify="left")
    for column in ("policy", "level", "resource", "message"):
        table.add_column(column, overflow="fold")
    ordered = sorted(violations, key=lambda v: (not v.mandatory, v.policy))
    for v in ordered:
        level = f"[bold red]{v.level}[/]" if v.mandatory else f"[yellow]{v.level}[/]"
        table.add_row(v.policy, level, v.resource, v.message)
    console.print(table)
    mandatory = sum(v.mandatory for v in violations)
    verdict = "[bold red]blocked[/]" if mandatory else "[yellow]allowed with warnings[/]"
    console.print(
        f"Policies: {mandatory} mandatory and {len(violations) - mandatory} advisory violation(s): {verdict}"
    )
