"""The human view of a capacity forecast: zones and tenants with their trend, limit and days until full."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from monitoring.capacity import CapacityForecast, Outlook


def _days(o: Outlook) -> str:
    until = o.until
    if until is None:
        return "no limit" if o.limit is None else "-"
    if until.expected is None:
        return "not within 10 years"

    def fmt(value: float | None) -> str:
        return ">10y" if value is None else f"{value:.0f}"

    return f"{until.expected:.0f} ({fmt(until.earliest)}-{fmt(until.latest)})"


def _table(title: str, who: str, outlooks: tuple[Outlook, ...]) -> Table:
    table = Table(title=title)
    for header in (who, "resource", "limit", "p-usage", "trend now", "per day", "days until limit (band)"):
        table.add_column(header, justify="left" if header in (who, "resource") else "right")
    for o in outlooks:
        slope = "-" if o.trend is None else f"{o.trend.slope:+.3f}"
        table.add_row(
            o.name,
            o.resource,
            "-" if o.limit is None else f"{o.limit:g}",
            "-" if o.percentile is None else f"{o.percentile:.2f}",
            "-" if o.now is None else f"{o.now:.2f}",
            slope,
            _days(o),
        )
    return table


def render_forecast(console: Console, result: CapacityForecast) -> None:
    """Zones (against physical capacity), tenants (against their quota), and right-sizing suggestions."""
    console.print(_table("Zones: usage against physical capacity", "zone", result.zones))
    console.print(_table("Tenants: usage against quota (summed over zones)", "tenant", result.tenants))
    if not result.right_sizing:
        console.print("No tenant stayed below the right-sizing threshold of its quota.")
        return
    table = Table(title=f"Right-sizing: peak usage below {result.settings['right_size_below']:.0%} of quota")
    for header in ("tenant", "resource", "quota", "peak usage", "requested", "suggested quota"):
        table.add_column(header, justify="left" if header in ("tenant", "resource") else "right")
    for r in result.right_sizing:
        table.add_row(
            r.tenant, r.resource, f"{r.quota:g}", f"{r.peak:.2f}", f"{r.requested:g}", f"{r.suggested:g}"
        )
    console.print(table)
