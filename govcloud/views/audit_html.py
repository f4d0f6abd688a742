"""The audit as one self-contained HTML file: inline CSS only, no script, no external asset.

A summary by classification level and by tenant, then every finding with what the stack expects, what
the cloud has, and the requirement it is evidence for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from govcloud.views.audit import UNDECLARED, by_level, summary
from policies.audit.findings import (
    CLASSIFICATION_STANDARD,
    PROTECTION_STANDARD,
    SEVERITY_ORDER,
    Finding,
)
from stacks.spec import StackSpec

CSS = """
body { font: 14px/1.45 "DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; margin: 2em; color: #1d2329; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
p.meta { color: #5b6670; margin-top: 0; }
table { border-collapse: collapse; margin: .6em 0; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f3f5f7; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { padding: .6em .9em; border-radius: 4px; font-weight: bold; display: inline-block; }
.clean { background: #dff3e4; color: #1a6b32; } .dirty { background: #fde2e1; color: #8a1c17; }
.sev { font-weight: bold; padding: 0 .4em; border-radius: 3px; white-space: nowrap; }
.critical { background: #8a1c17; color: #fff; } .high { background: #e5534b; color: #fff; }
.medium { background: #f2c94c; color: #3a2e00; } .low { background: #cfe3f7; color: #0b3a63; }
td.zero { color: #9aa4ad; text-align: right; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .92em; overflow-wrap: anywhere; }
td.kind code { white-space: nowrap; }
footer { margin-top: 2em; color: #5b6670; font-size: .9em; }
"""


def _counts(row: dict[str, object]) -> str:
    cells = []
    for s in SEVERITY_ORDER:
        n = row[s.value]
        cells.append(f'<td class="n">{n}</td>' if n else '<td class="zero">0</td>')
    return "".join(cells) + f'<td class="n">{row["total"]}</td>'


def render_html(
    stack: str, spec: StackSpec, findings: Sequence[Finding], when: datetime | None = None
) -> str:
    when = when or datetime.now(UTC)
    heads = "".join(f"<th>{s.value}</th>" for s in SEVERITY_ORDER) + "<th>total</th>"
    level_rows = "".join(
        f'<tr><td>{escape(r["level"])}</td><td class="n">{r["tenants"]}</td>'
        f'<td class="n">{r["tenants_with_findings"]}</td>{_counts(r)}</tr>'
        for r in by_level(spec, findings)
    )
    tenant_rows = "".join(
        f"<tr><td>{escape(r['tenant'])}</td><td>{escape(r['level'] or '-')}</td>{_counts(r)}</tr>"
        for r in summary(spec, findings)
    )
    finding_rows = "".join(
        "<tr>"
        f'<td><span class="sev {f.severity.value}">{f.severity.value}</span></td>'
        f"<td>{escape(f.tenant or UNDECLARED)}</td>"
        f"<td>{escape(f.level or '-')}</td>"
        f'<td class="kind"><code>{escape(f.kind.value)}</code></td>'
        f"<td><code>{escape(f.resource)}</code></td>"
        f"<td>{escape(f.expected)}</td><td>{escape(f.actual)}</td>"
        f"<td>{escape(f.area.value)}</td>"
        f"<td>{escape(f.message)}</td>"
        "</tr>"
        for f in findings
    )
    if findings:
        verdict = f'<p class="verdict dirty">{len(findings)} finding(s); the worst is {findings[0].severity.value}</p>'
        detail = (
            "<h2>Findings</h2><table><tr><th>severity</th><th>tenant</th><th>level</th><th>kind</th>"
            "<th>resource</th><th>expected (stack)</th><th>actual (cloud)</th><th>control area</th>"
            f"<th>why it matters</th></tr>{finding_rows}</table>"
        )
    else:
        verdict = '<p class="verdict clean">No findings: the cloud matches the stack file.</p>'
        detail = ""
    title = f"govcloud audit: {escape(stack)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{CSS}</style></head>
<body>
<h1>{title}</h1>
<p class="meta">{escape(spec.cloud.display_name or spec.cloud.name)} &middot; {len(spec.tenants)} tenants
&middot; audited {when:%Y-%m-%d %H:%M} UTC</p>
{verdict}
<h2>By classification level</h2>
<table><tr><th>level</th><th>tenants</th><th>with findings</th>{heads}</tr>{level_rows}</table>
<h2>By tenant</h2>
<table><tr><th>tenant</th><th>level</th>{heads}</tr>{tenant_rows}</table>
{detail}
<footer>Levels: {escape(CLASSIFICATION_STANDARD)}. Control areas: {escape(PROTECTION_STANDARD)}
(areas named, not numbered; which area a kind of finding evidences is govcloud's reading, see docs/audit.md).</footer>
</body></html>
"""
