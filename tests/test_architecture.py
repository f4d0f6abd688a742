"""The layers hold: every import of the project's own code runs downward, and nothing forms a circle.

Read from the source (every ``import`` anywhere in a module, also inside functions), so a new import
that breaks the layering fails here, not in a review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("stacks", "scheduler", "infra", "policies", "monitoring", "govcloud", "bench")

# Lower numbers are lower layers; a module may import its own layer or any lower one.
LAYERS: tuple[tuple[str, int], ...] = (
    ("stacks", 0),
    ("scheduler.model", 1),
    ("infra", 1),
    ("policies", 1),
    ("scheduler.planning", 2),
    ("scheduler.apply", 3),
    ("scheduler.adapters", 4),
    ("scheduler", 4),
    ("monitoring", 5),
    ("govcloud", 6),
    ("bench", 7),
)
# Rooms on one floor that must not know each other.
STRANGERS = (("infra", "policies"), ("infra", "scheduler"), ("policies", "scheduler"))
LONGEST_MODULE = 450


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[str]:
    """Every module named by an import in ``path`` (``from a.b import c`` gives a.b.c when c is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:
                yield f"{node.module}.{alias.name}"


def _first_party(name: str) -> str | None:
    """The project module ``name`` refers to (its longest known prefix), or None for a third party."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


GRAPH: dict[str, set[str]] = {
    module: {found for name in _imports(path) if (found := _first_party(name)) and found != module}
    for module, path in MODULES.items()
}


def _layer(module: str) -> tuple[str, int]:
    for prefix, level in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return prefix, level
    raise AssertionError(f"{module} belongs to no layer")


def _room(module: str) -> str:
    return module.split(".")[0]


def test_every_import_runs_down_the_layers() -> None:
    upward = [
        f"{module} ({_layer(module)[0]}) imports {target} ({_layer(target)[0]})"
        for module, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if _layer(target)[1] > _layer(module)[1]
    ]
    assert upward == []


@pytest.mark.parametrize(("one", "other"), STRANGERS)
def test_strangers_never_import_each_other(one: str, other: str) -> None:
    crossing = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if {_room(module), _room(target)} == {one, other}
    ]
    assert crossing == []


def test_monitoring_only_observes_it_never_plans() -> None:
    assert [
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        if _room(m) == "monitoring"
        for t in targets
        if t.startswith("scheduler.planning") or t.startswith("scheduler.adapters")
    ] == []


def test_the_scheduler_and_the_spec_never_import_pulumi() -> None:
    offenders = [
        f"{module} imports {name}"
        for module, path in MODULES.items()
        if _room(module) in ("scheduler", "stacks", "monitoring")
        for name in _imports(path)
        if name.split(".")[0] in ("pulumi", "pulumi_openstack", "pulumi_random", "pulumi_policy")
    ]
    assert offenders == []


def test_no_circles() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert circles == []


def test_the_graph_is_read_for_real() -> None:
    assert "scheduler.model.plan" in GRAPH["scheduler.planning.outcome"]
    assert "scheduler.planning.rebalance" in GRAPH["scheduler.apply.loop"]
    assert "stacks.tags" in GRAPH["infra.tenant"]


def test_modules_stay_small() -> None:
    long = {
        module: lines
        for module, path in MODULES.items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE
    }
    assert long == {}
