"""Options that were silently ignored or crashed (issue #15, item 7): each is now exit 2 with a reason.

``--stack``/``--kubeconfig`` with ``--inventory``, ``serve`` on an invalid inventory, an interval that
overflows, and ``govcloud inventory ... | head -1`` (a broken pipe: quiet, no traceback).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from govcloud.cli import main
from tests.cli.process import ROOT

INVENTORY = """\
zones:
  - name: a
    hosts: [{name: a1, capacity: {cpu: 8}}]
  - name: b
    hosts: [{name: b1, capacity: {cpu: 8}}]
workloads:
  - {name: w1, host: a1, requests: {cpu: 2}}
"""


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "inv.yaml"
    path.write_text(INVENTORY, encoding="utf-8")
    return path


COMBINATIONS = [
    # (id, extra options, what stderr must say)
    ("stack", ["--stack", "stacks/dev.yaml"], "--stack does not combine with --inventory"),
    ("missing-stack", ["--stack", "nope.yaml"], "--stack does not combine with --inventory"),
    ("os-cloud", ["--os-cloud", "x"], "--os-cloud does not combine with --inventory"),
    ("kubeconfig", ["--kubeconfig", "nope"], "--kubeconfig does not combine with --inventory"),
    ("kube-context", ["--kube-context", "c"], "--kube-context does not combine with --inventory"),
]


@pytest.mark.parametrize("command", ["rebalance", "inventory", "serve"])
@pytest.mark.parametrize(
    ("extra", "expected"), [c[1:] for c in COMBINATIONS], ids=[c[0] for c in COMBINATIONS]
)
def test_options_of_another_source_do_not_combine(
    inventory: Path, capsys: pytest.CaptureFixture[str], command: str, extra: list[str], expected: str
) -> None:
    assert main([command, "--inventory", str(inventory), *extra]) == 2
    assert expected in capsys.readouterr().err


BAD_INVENTORIES = [
    ("unknown-key", INVENTORY + "extra: 1\n", "extra: unknown key"),
    ("unknown-host", INVENTORY.replace("host: a1", "host: zz"), "unknown host 'zz'"),
    ("malformed", "zones: [\n", "not valid YAML"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in BAD_INVENTORIES], ids=[c[0] for c in BAD_INVENTORIES]
)
def test_serve_refuses_an_invalid_inventory_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["serve", "--inventory", str(path), "--listen", "127.0.0.1:1"]) == 2
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize("interval", ["99999999999999999999d", "31d", "1000000h"])
def test_an_interval_too_long_is_an_argument_error(
    inventory: Path, capsys: pytest.CaptureFixture[str], interval: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--inventory", str(inventory), "--interval", interval])
    assert caught.value.code == 2
    assert "at most 30d" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", [[], ["--json"]])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, fmt: list[str]) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(
        INVENTORY
        + "".join(f"  - {{name: w{i:05}, host: b1, requests: {{cpu: 0}}}}\n" for i in range(2, 6000)),
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "govcloud", "inventory", "--inventory", str(path), *fmt],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert err == ""
    assert proc.returncode in (0, 141)  # 141: stopped writing at the broken pipe, as a SIGPIPE'd tool
