"""One self-contained HTML page of a capacity forecast: tables of the figures and inline SVG charts.

Sections: zones (utilization over the window with the forecast and its band, days until full), the
headroom left if one zone fails, tenants by quota use, and right-sizing suggestions. Every figure in
a chart is also in a table cell carrying ``data-*`` attributes (what a test or a script reads back).
No JavaScript, no external assets, no web fonts.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import numpy as np

from monitoring.capacity import CapacityForecast, Outlook
from monitoring.svg import Line, bar_chart, time_chart

UNITS = {"cpu": "cores", "memory_gib": "GiB"}
STYLE = """
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child, td.name { text-align: left; }
.bad { color: #c00; font-weight: bold; } .note { color: #555; font-size: 12px; }
"""


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _cell(value: float | None, digits: int, **data: str) -> str:
    attrs = " ".join(f'data-{k}="{escape(v)}"' for k, v in data.items())
    raw = "" if value is None else f' data-value="{value:.6g}"'
    return f"<td {attrs}{raw}>{_num(value, digits)}</td>"


def _days_cells(o: Outlook, kind: str) -> str:
    until = o.until
    cells = []
    for field in ("earliest", "expected", "latest"):
        value = None if until is None else getattr(until, field)
        cells.append(_cell(value, 1, kind=kind, name=o.name, resource=o.resource, field=f"days-{field}"))
    return "".join(cells)


def _zone_chart(result: CapacityForecast, resource: str, horizon_days: float) -> str:
    lines = []
    for o in (z for z in result.zones if z.resource == resource and z.limit):
        limit = float(o.limit or 1.0)
        line = Line(o.name, o.times, o.usage / limit)
        if o.trend is not None:
            ahead = np.linspace(0.0, horizon_days, 60)
            days = o.trend.last_day + ahead
            lower, upper = o.trend.band(days)
            future = o.trend.origin + days * 86400.0
            expected = np.asarray(o.trend.value(days)) / limit
            line = Line(o.name, o.times, o.usage / limit, future, expected, lower / limit, upper / limit)
        lines.append(line)
    if not lines:
        return ""
    unit = UNITS.get(resource, resource)
    return time_chart(
        f"Zone utilization, {resource} ({unit} used / physical capacity), with a {horizon_days:.0f}-day forecast",
        lines,
        y_label="utilization",
        limit=1.0,
        limit_label="full",
        percent=True,
    )


def render_report(
    result: CapacityForecast, *, title: str = "Capacity report", horizon_days: float = 30.0
) -> str:
    """The whole HTML page for ``result``."""
    s = result.settings
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="note">Usage from {_when(result.start)} to {_when(result.end)}, one sample every '
        f"{s['step_seconds'] / 60:g} min; spikes shorter than {s['min_run']} samples ignored; "
        f"p{s['percentile']:g} usage; linear trend with a {s['level']:.0%} prediction band. "
        "Zones are measured against physical capacity (capacity / allocation ratio), tenants against "
        "their quota summed over the zones.</p>",
        "<h2>Zones</h2>",
    ]
    resources = sorted({o.resource for o in result.zones})
    for resource in resources:
        parts.append(_zone_chart(result, resource, horizon_days))
    parts.append(
        "<table><tr><th>zone</th><th>resource</th><th>physical capacity</th><th>p-usage</th>"
        "<th>utilization now</th><th>per day</th><th>full in (earliest)</th><th>full in (expected)</th>"
        "<th>full in (latest)</th></tr>"
    )
    for o in result.zones:
        now = None if o.now is None or not o.limit else o.now / o.limit * 100
        slope = None if o.trend is None else o.trend.slope
        parts.append(
            f'<tr><td class="name">{escape(o.name)}</td><td class="name">{escape(o.resource)}</td>'
            + _cell(o.limit, 0, kind="zone", name=o.name, resource=o.resource, field="limit")
            + _cell(o.percentile, 2, kind="zone", name=o.name, resource=o.resource, field="percentile")
            + _cell(now, 1, kind="zone", name=o.name, resource=o.resource, field="utilization-pct")
            + _cell(slope, 3, kind="zone", name=o.name, resource=o.resource, field="per-day")
            + _days_cells(o, "zone")
            + "</tr>"
        )
    parts.append('</table><p class="note">Days after the last sample; — : not within ten years.</p>')

    parts.append("<h2>Headroom if one zone fails</h2>")
    for resource in resources:
        rows = [
            (f"{zone} fails", row[resource], f"{row[resource]:+.1f} {UNITS.get(resource, '')}")
            for zone, row in result.failover.items()
            if resource in row
        ]
        if rows:
            parts.append(
                bar_chart(
                    f"{resource}: room left on the other zones after taking the failed zone's load", rows
                )
            )
    parts.append("<table><tr><th>zone fails</th><th>resource</th><th>room left on the others</th></tr>")
    for zone, row in result.failover.items():
        for resource, value in row.items():
            cls = ' class="bad"' if value < 0 else ""
            parts.append(
                f'<tr><td class="name">{escape(zone)}</td><td class="name">{escape(resource)}</td>'
                f'<td{cls} data-kind="failover" data-name="{escape(zone)}" data-resource="{escape(resource)}" '
                f'data-field="spare" data-value="{value:.6g}">{value:.1f}</td></tr>'
            )
    parts.append("</table>")

    parts.append("<h2>Tenants by quota use</h2>")
    rows = [
        (
            f"{o.name} {o.resource}",
            (o.peak or 0.0) / o.limit,
            f"{(o.peak or 0.0) / o.limit:.0%} of {o.limit:g}",
        )
        for o in sorted(result.tenants, key=lambda o: -((o.peak or 0.0) / (o.limit or 1.0)))
        if o.limit
    ]
    if rows:
        parts.append(
            bar_chart(
                "Peak usage (spikes ignored) / quota",
                rows,
                marker=s["right_size_below"],
                marker_label=f"right-size below {s['right_size_below']:.0%}",
                percent=True,
            )
        )
    parts.append(
        "<table><tr><th>tenant</th><th>resource</th><th>quota</th><th>peak usage</th><th>peak / quota</th>"
        "<th>quota reached in (expected days)</th></tr>"
    )
    for o in result.tenants:
        ratio = None if not o.limit or o.peak is None else o.peak / o.limit * 100
        expected = None if o.until is None else o.until.expected
        parts.append(
            f'<tr><td class="name">{escape(o.name)}</td><td class="name">{escape(o.resource)}</td>'
            + _cell(o.limit, 0, kind="tenant", name=o.name, resource=o.resource, field="limit")
            + _cell(o.peak, 2, kind="tenant", name=o.name, resource=o.resource, field="peak")
            + _cell(ratio, 1, kind="tenant", name=o.name, resource=o.resource, field="peak-pct")
            + _cell(expected, 1, kind="tenant", name=o.name, resource=o.resource, field="days-expected")
            + "</tr>"
        )
    parts.append("</table>")

    parts.append("<h2>Right-sizing suggestions</h2>")
    if not result.right_sizing:
        parts.append(
            f"<p>No tenant stayed below {s['right_size_below']:.0%} of a quota for the whole window.</p>"
        )
    else:
        parts.append(
            f'<p class="note">Peak usage stayed below {s["right_size_below"]:.0%} of the quota for the whole '
            f"window; the suggestion puts that peak at {s['right_size_target']:.0%} of the new quota, never "
            "below what the tenant has requested.</p>"
        )
        parts.append(
            "<table><tr><th>tenant</th><th>resource</th><th>quota</th><th>peak usage</th><th>requested</th>"
            "<th>suggested quota</th></tr>"
        )
        for r in result.right_sizing:
            data = {"kind": "right-size", "name": r.tenant, "resource": r.resource}
            parts.append(
                f'<tr><td class="name">{escape(r.tenant)}</td><td class="name">{escape(r.resource)}</td>'
                + _cell(r.quota, 0, **data, field="quota")
                + _cell(r.peak, 2, **data, field="peak")
                + _cell(r.requested, 0, **data, field="requested")
                + _cell(r.suggested, 0, **data, field="suggested")
                + "</tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
