"""The human view of a rebalancing plan or a drain: utilization before/after with bars, the moves,
the imbalance, the proven bound and the gap."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scheduler.model.plan import Plan
from scheduler.planning.drain import DrainResult

BAR_WIDTH = 12


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """A bar of ``width`` cells for a utilization (red above 90%, yellow above 75%)."""
    cells = round(max(0.0, min(1.0, fraction)) * width)
    style = "red" if fraction > 0.9 else ("yellow" if fraction > 0.75 else "green")
    return f"[{style}]{'█' * cells}[/][dim]{'·' * (width - cells)}[/]"


def utilization_table(plan: Plan, title: str = "Zone utilization") -> Table:
    """Each zone's utilization per resource before and after the plan, with bars."""
    table = Table(title=title, title_justify="left")
    for column, justify in (
        ("zone", "left"),
        ("resource", "left"),
        ("before", "right"),
        ("", "left"),
        ("after", "right"),
        (" ", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for zone, row in plan.before.zones.items():
        after = plan.after.zones.get(zone, {})
        for i, (resource, value) in enumerate(row.items()):
            new = after.get(resource, value)
            table.add_row(
                escape(zone) if i == 0 else "",
                escape(resource),
                f"{value:.1%}",
                bar(value),
                f"{new:.1%}",
                bar(new),
            )
    return table


def moves_table(plan: Plan, limit: int = 60) -> Table:
    """The plan's moves in order (the first ``limit``; the rest are counted)."""
    table = Table(title=f"Moves ({len(plan.moves)}, applied in this order)", title_justify="left")
    for column in ("#", "workload", "tenant", "from", "to"):
        table.add_column(column, justify="right" if column == "#" else "left")
    for i, move in enumerate(plan.moves[:limit], start=1):
        table.add_row(
            str(i),
            escape(move.workload),
            escape(move.tenant or "-"),
            escape(f"{move.from_host} ({move.from_zone})"),
            escape(f"{move.to_host} ({move.to_zone})"),
        )
    if len(plan.moves) > limit:
        table.add_row("…", f"{len(plan.moves) - limit} more (see --json)", "", "", "")
    return table


def render_plan(console: Console, plan: Plan, source: str) -> None:
    """Print a plan: utilization, moves, imbalance with bound and gap, and its note."""
    measure = "measured usage / physical capacity" if plan.basis == "usage" else "requests / capacity"
    console.print(utilization_table(plan, f"Zone utilization ({measure}), {escape(source)}"))
    if plan.moves:
        console.print(moves_table(plan))
    line = f"Imbalance [bold]{plan.before.imbalance:.4f}[/] → [bold]{plan.after.imbalance:.4f}[/]"
    if plan.lower_bound is not None:
        line += f"   lower bound {plan.lower_bound:.4f}   gap {plan.gap or 0.0:.4f}"
        if plan.optimal:
            line += " [green](optimal)[/]"
    line += f"   {len(plan.moves)} moves   {plan.method}, {plan.seconds:.2f} s"
    console.print(line, highlight=False)
    if plan.reason:
        console.print(f"[yellow]note[/]: {escape(plan.reason)}", highlight=False, soft_wrap=True)


def render_drain(console: Console, result: DrainResult, source: str) -> None:
    """Print a drain: its plan, or what cannot fit per tenant and resource and why per workload."""
    if result.plan is not None:
        console.print(f"[green]Zone {escape(result.zone)} can be emptied[/]: {result.placed} workloads move.")
        render_plan(console, result.plan, source)
        rest = result.extra.get("imbalance_without_zone")
        if rest is not None:
            console.print(f"Imbalance of the other zones afterwards: {rest:.4f}", highlight=False)
        return
    if result.refused is not None:
        console.print(
            f"[red]Zone {escape(result.zone)} is not drained[/]: every workload found room, but the safety "
            f"gate refused the plan ({escape(str(result.refused))}); no plan is produced.",
            highlight=False,
        )
        return
    console.print(
        f"[red]Zone {escape(result.zone)} cannot be emptied[/]: {len(result.shortfalls)} of {result.to_move} "
        "workloads have nowhere to go (no plan is produced).",
        highlight=False,
    )
    table = Table(title="What cannot fit, per tenant and resource", title_justify="left")
    for column in ("tenant", "resource", "to place", "room left elsewhere", "missing"):
        table.add_column(column, justify="left" if column in ("tenant", "resource") else "right")
    for row in result.by_tenant:
        missing = max(0.0, row.needed - row.room)
        table.add_row(
            escape(row.tenant),
            escape(row.resource),
            f"{row.needed:g}",
            f"{row.room:g}",
            f"[red]{missing:g}[/]" if missing else "0 (rules, packing)",
        )
    console.print(table)
    why = Table(title="Why, workload by workload", title_justify="left")
    why.add_column("workload")
    why.add_column("reasons")
    for short in result.shortfalls:
        why.add_row(escape(short.workload), escape("\n".join(short.reasons)))
    console.print(why)
