"""The pack depends on the stack spec at most: never on the program, the scheduler or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

PACK = Path(__file__).resolve().parents[2] / "policies"
FORBIDDEN = {"infra", "scheduler", "govcloud", "monitoring"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_policies_import_neither_infra_nor_scheduler() -> None:
    modules = sorted(PACK.glob("*.py"))
    assert len(modules) > 10
    offenders = {m.name: imported_roots(m) & FORBIDDEN for m in modules if imported_roots(m) & FORBIDDEN}
    assert offenders == {}
