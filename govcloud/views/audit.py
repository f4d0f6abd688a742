"""The audit, for people (a summary and a findings table) and for tools (the audit document)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from policies.audit.findings import (
    CLASSIFICATION_STANDARD,
    PROTECTION_STANDARD,
    SEVERITY_ORDER,
    Finding,
    Severity,
)
from stacks.spec import StackSpec

AUDIT_VERSION = 1
"""The ``version`` of the audit document ``govcloud audit --json`` writes (docs/contracts.md)."""

UNDECLARED = "(undeclared)"
"""The summary row of findings about projects the stack does not declare."""

STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


def summary(spec: StackSpec, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Per tenant (in stack order, then undeclared projects): its level and findings per severity."""
    rows = []
    for tenant in spec.tenants:
        mine = [f for f in findings if f.tenant == tenant.name]
        rows.append(_row(tenant.name, tenant.classification.value, mine))
    others = [f for f in findings if f.tenant is None]
    if others:
        rows.append(_row(UNDECLARED, None, others))
    return rows


def _row(tenant: str, level: str | None, findings: Sequence[Finding]) -> dict[str, Any]:
    counts = {s.value: sum(f.severity is s for f in findings) for s in SEVERITY_ORDER}
    return {"tenant": tenant, "level": level, **counts, "total": len(findings)}


def by_level(spec: StackSpec, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Per classification level: how many tenants, how many of them with findings, findings by severity."""
    rows = []
    for level in ("core", "important", "general"):
        tenants = [t.name for t in spec.tenants if t.classification.value == level]
        mine = [f for f in findings if f.tenant in tenants]
        row = _row(level, level, mine)
        row.pop("tenant")
        rows.append({"tenants": len(tenants), "tenants_with_findings": len({f.tenant for f in mine}), **row})
    return rows


def audit_document(stack: str, spec: StackSpec, findings: Sequence[Finding]) -> dict[str, Any]:
    return {
        "version": AUDIT_VERSION,
        "stack": stack,
        "standards": {"classification": CLASSIFICATION_STANDARD, "protection": PROTECTION_STANDARD},
        "summary": {
            "findings": len(findings),
            "by_severity": {s.value: sum(f.severity is s for f in findings) for s in SEVERITY_ORDER},
            "by_level": by_level(spec, findings),
            "by_tenant": summary(spec, findings),
        },
        "findings": [f.as_json() for f in findings],
    }


def render_audit(console: Console, stack: str, spec: StackSpec, findings: Sequence[Finding]) -> None:
    table = Table(title=f"Audit of {stack}: findings by tenant", title_justify="left")
    for column in ("tenant", "level", *(s.value for s in SEVERITY_ORDER), "total"):
        table.add_column(column, justify="right" if column not in ("tenant", "level") else "left")
    for row in summary(spec, findings):
        table.add_row(
            row["tenant"],
            row["level"] or "-",
            *(str(row[s.value]) if row[s.value] else "-" for s in SEVERITY_ORDER),
            str(row["total"]),
        )
    console.print(table)
    if not findings:
        console.print("Audit: [green]the cloud matches the stack[/]")
        return
    details = Table(title="Findings", title_justify="left")
    for column in ("severity", "tenant", "kind", "resource", "expected", "actual", "control area"):
        details.add_column(column, overflow="fold")
    for f in findings:
        details.add_row(
            f"[{STYLE[f.severity]}]{f.severity.value}[/]",
            f.tenant or UNDECLARED,
            f.kind.value,
            f.resource,
            f.expected,
            f.actual,
            f.area.value,
        )
    console.print(details)
    worst = findings[0].severity.value
    console.print(f"Audit: [bold red]{len(findings)} finding(s)[/], the worst {worst}")
