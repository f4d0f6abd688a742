"""Names and paths that look like rich markup print as written (issue #15, item 5).

``[/x]`` used to raise rich's MarkupError (a traceback); ``[bold]`` vanished; error texts with brackets
(a name pattern ``^[a-z0-9](...)$``) were mangled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govcloud.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEV_STACK = (ROOT / "stacks" / "dev.yaml").read_text(encoding="utf-8")


def _inventory(zone: str, host: str, workload: str) -> str:
    return f"""\
zones:
  - name: "{zone}"
    hosts: [{{name: "{host}", capacity: {{cpu: 8}}}}]
  - name: other
    hosts: [{{name: o1, capacity: {{cpu: 8}}}}]
workloads:
  - {{name: "{workload}", host: "{host}", requests: {{cpu: 2}}}}
  - {{name: "{workload}-2", host: "{host}", requests: {{cpu: 2}}}}
"""


def _directory(tmp_path: Path) -> Path:
    folder = tmp_path / "[" / "x]"  # a path that reads ".../[/x]/..."
    folder.mkdir(parents=True)
    return folder


CASES = [
    # (id, command (inventory written to FILE), text that must appear verbatim in the output)
    ("rebalance-zone", ["rebalance"], _inventory("[/x]", "h[bold]", "w[/x]"), ["[/x]", "h[bold]", "w[/x]"]),
    ("drain-zone", ["drain", "--zone", "[/x]"], _inventory("[/x]", "[bold]h", "[/x]w"), ["[/x]", "[/x]w"]),
    ("drain-unknown-zone", ["drain", "--zone", "[/y]"], _inventory("[/x]", "h", "w"), ["'[/y]'", "[/x]"]),
    (
        "inventory-error",
        ["rebalance"],
        _inventory("[/x]", "h", "w").replace('{name: "w", host: "h"', '{name: "w", host: "[bold]gone"'),
        ["'[bold]gone'"],
    ),
]


@pytest.mark.parametrize(("argv", "text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_inventory_names_print_verbatim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], text: str, expected: list[str]
) -> None:
    path = _directory(tmp_path) / "inv[bold].yaml"
    path.write_text(text, encoding="utf-8")
    code = main([argv[0], "--inventory", str(path), *argv[1:]])
    out = capsys.readouterr()
    printed = "".join((out.out + out.err).split())  # tables wrap long titles
    assert code in (0, 1, 2)
    for piece in [*expected, "[/x]/inv[bold].yaml"]:
        assert piece in printed, printed


STACK_CASES = [
    # (id, change to the dev stack, text that must appear verbatim on stderr)
    (
        "pattern",
        ("name: health", 'name: "[/x]health"'),
        ["tenants[0].name", "'^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$'"],
    ),
    ("file-name-only", ("cores: 96", "cores: -1"), ["tenants[0].quotas.compute.cores"]),
]


@pytest.mark.parametrize(
    ("change", "expected"), [c[1:] for c in STACK_CASES], ids=[c[0] for c in STACK_CASES]
)
def test_stack_errors_print_verbatim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], expected: list[str]
) -> None:
    path = _directory(tmp_path) / "dev[bold].yaml"
    path.write_text(DEV_STACK.replace(*change, 1), encoding="utf-8")
    code = main(["validate", str(path)])
    err = "".join(capsys.readouterr().err.split())
    assert code == 2, err
    for piece in [*expected, "[/x]/dev[bold].yaml"]:
        assert piece in err, err


def test_valid_stack_from_a_markup_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _directory(tmp_path) / "dev[bold].yaml"
    path.write_text(DEV_STACK, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert "[/x]/dev[bold].yaml" in "".join(capsys.readouterr().out.split())
