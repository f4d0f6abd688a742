"""The policy pack is self-contained: what the engine loads with it imports only the standard library and
what the pack's own `requirements.txt` installs (the policy SDK; the govcloud distribution's `policies`
and `stacks` packages and their pydantic and PyYAML), and its floor of the policy SDK is the project's."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from tests.test_floors import pyproject

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies"
# Import name -> the requirement that installs it.
FROM_REQUIREMENTS = {
    "pulumi_policy": "pulumi-policy",
    "policies": "govcloud",
    "stacks": "govcloud",
    "pydantic": "govcloud",  # a dependency of the distribution
    "yaml": "govcloud",
}


def imported_modules(path: Path) -> set[str]:
    """Absolute module names ``path`` imports (``from a import b`` counts ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def source_of(module: str) -> Path | None:
    """The file of a module of this checkout, if it is one."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def pack_imports() -> dict[str, set[str]]:
    """Every module the engine loads with the pack (from ``policies/__main__.py`` on), by file."""
    seen: dict[str, set[str]] = {}
    todo = [PACK / "__main__.py"]
    while todo:
        path = todo.pop()
        key = str(path.relative_to(ROOT))
        if key in seen:
            continue
        seen[key] = imported_modules(path)
        for module in seen[key]:
            parts = module.split(".")
            for i in range(1, len(parts) + 1):  # a package's __init__ runs before its modules
                found = source_of(".".join(parts[:i]))
                if found is not None:
                    todo.append(found)
    return seen


def test_the_pack_imports_only_the_standard_library_and_its_requirements() -> None:
    loaded = pack_imports()
    assert "policies/pack.py" in loaded and "stacks/__init__.py" in loaded
    assert not any(path.startswith(("policies/audit", "infra/", "scheduler/")) for path in loaded)
    strangers = {
        f"{path}: {module}"
        for path, modules in loaded.items()
        for module in modules
        if module.split(".")[0] not in sys.stdlib_module_names
        and module.split(".")[0] not in FROM_REQUIREMENTS
    }
    assert strangers == set()


def test_the_pack_requires_the_policy_sdk_at_the_project_floor_and_the_distribution() -> None:
    lines = [
        line.strip()
        for line in (PACK / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    project = pyproject()
    sdk = next(r for r in project["dependencies"] if re.match(r"pulumi-policy\b", r))
    assert sdk in lines
    assert "-e .." in lines  # this checkout's distribution: `policies` and `stacks` as packages
    assert not any("sys.path.insert" in line for line in (PACK / "__main__.py").read_text().splitlines())
