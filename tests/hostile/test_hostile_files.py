"""Hostile stack and inventory files: every one is refused with exit 2, file and reason, no traceback.

Issue #15, items 1-4: unknown tags, impossible dates, deep nesting, alias bombs, files that are not
regular or too large, non-finite or absurd numbers, duplicate keys. Run in-process through
``govcloud.cli.main`` so an escaping exception fails the test as the traceback a user would see.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govcloud.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEV_STACK = (ROOT / "stacks" / "dev.yaml").read_text(encoding="utf-8")
INVENTORY = """\
zones:
  - name: a
    hosts: [{name: a1, capacity: {cpu: 8}}]
  - name: b
    hosts: [{name: b1, capacity: {cpu: 8}}]
tenants: [{name: t}]
workloads:
  - {name: w1, tenant: t, host: a1, requests: {cpu: 2}}
  - {name: w2, tenant: t, host: a1, requests: {cpu: 2}}
"""
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


STACK_CASES = [
    # (id, text of the stack file, what stderr must say)
    (
        "unknown-tag",
        DEV_STACK.replace("cloud:", "cloud: !Ref foo\nx:", 1),
        ":4: (top level): malformed YAML: unknown tag '!Ref'",
    ),
    (
        "python-tag",
        "a: !!python/object/apply:os.system [ls]\n",
        ":1: (top level): malformed YAML: unknown tag",
    ),
    ("bad-date", DEV_STACK.replace("slot: 1", "slot: 2020-13-45", 1), ":41: tenants[0].slot:"),
    ("deep-flow", "[" * 100_000, ":1: (top level): "),
    ("deep-block", "- " * 100_000 + "x\n", ":1: (top level): "),
    ("deep-balanced", "a: " + "[" * 900 + "]" * 900, "a: unknown key"),
    ("deep-999", "a: " + "[" * 999 + "]" * 999, ":1: (top level): nested too deeply"),
    ("alias-bomb", BOMB, "aliases expand to more than"),
    ("self-alias", "a: &a [*a]\n", "an alias refers to the node that contains it"),
    ("cores-inf", DEV_STACK.replace("cores: 96", "cores: .inf", 1), "tenants[0].quotas.compute.cores"),
    ("cores-nan", DEV_STACK.replace("cores: 96", "cores: .nan", 1), "tenants[0].quotas.compute.cores"),
    ("cores-1e999", DEV_STACK.replace("cores: 96", "cores: 1e999", 1), "tenants[0].quotas.compute.cores"),
    (
        "cores-huge",
        DEV_STACK.replace("cores: 96", "cores: " + "9" * 400, 1),
        "tenants[0].quotas.compute.cores",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in STACK_CASES], ids=[c[0] for c in STACK_CASES])
def test_hostile_stack_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(text, encoding="utf-8")
    code, err = _run(capsys, "validate", str(path))
    assert code == 2, err
    assert str(path) in err
    assert expected in err


NOT_FILES = [
    ("dev-zero", lambda tmp: "/dev/zero", "not a regular file"),
    ("directory", lambda tmp: str(tmp), "a directory"),
    ("missing", lambda tmp: str(tmp / "missing.yaml"), "cannot read the file"),
]


@pytest.mark.parametrize("command", ["validate", "rebalance", "drain", "metrics"])
@pytest.mark.parametrize(("where", "expected"), [c[1:] for c in NOT_FILES], ids=[c[0] for c in NOT_FILES])
def test_files_that_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, where, expected: str
) -> None:
    path = where(tmp_path)
    argv = [command, path] if command == "validate" else [command, "--inventory", path]
    if command == "drain":
        argv += ["--zone", "a"]
    code, err = _run(capsys, *argv)
    assert code == 2, err
    assert path in err and expected in err


def test_too_large_files_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import scheduler.model.inventory_file
    import stacks.load

    monkeypatch.setattr(stacks.load, "MAX_STACK_BYTES", 1024)
    monkeypatch.setattr(scheduler.model.inventory_file, "MAX_INVENTORY_BYTES", 100)
    stack = tmp_path / "stack.yaml"
    stack.write_text(DEV_STACK, encoding="utf-8")
    inventory = tmp_path / "inv.yaml"
    inventory.write_text(INVENTORY, encoding="utf-8")
    for argv in (["validate", str(stack)], ["rebalance", "--inventory", str(inventory)]):
        code, err = _run(capsys, *argv)
        assert code == 2 and "the file is larger than" in err, err


def _json_inventory(**change: object) -> str:
    import yaml

    data = yaml.safe_load(INVENTORY)
    data["workloads"][0]["requests"] = change
    return json.dumps(data)


INVENTORY_CASES = [
    # (id, file name, text, what stderr must say)
    (
        "unknown-tag",
        "inv.yaml",
        INVENTORY.replace("name: a\n", "name: !Ref a\n", 1),
        "inv.yaml:2: not valid YAML",
    ),
    ("python-tag", "inv.yaml", "zones: !!python/object/apply:os.system [ls]\n", "inv.yaml:1: not valid YAML"),
    ("date-name", "inv.yaml", INVENTORY.replace("w1", "2020-13-45"), None),  # a date-like name is a name
    ("deep-yaml", "inv.yaml", "[" * 100_000, "inv.yaml:1: not valid YAML"),
    ("deep-json", "inv.json", "[" * 100_000, "nested too deeply"),
    ("alias-bomb", "inv.yaml", BOMB.replace("a:", "zones:", 1), None),
    ("self-alias", "inv.yaml", "zones: &a [*a]\n", "an alias refers to the node that contains it"),
    ("yaml-inf", "inv.yaml", INVENTORY.replace("cpu: 2}", "cpu: .inf}", 1), "workloads[0] (w1).requests.cpu"),
    (
        "yaml-nan",
        "inv.yaml",
        INVENTORY.replace("cpu: 8}", "cpu: .nan}", 1),
        "zones[0] (a).hosts[0] (a1).capacity.cpu",
    ),
    (
        "yaml-1e999",
        "inv.yaml",
        INVENTORY.replace("cpu: 2}", "cpu: 1e999}", 1),
        "workloads[0] (w1).requests.cpu",
    ),
    ("yaml-overflow", "inv.yaml", INVENTORY.replace("cpu: 8}", "cpu: 1.0e308}"), "capacity.cpu"),
    ("json-nan", "inv.json", _json_inventory(cpu=float("nan")), "NaN is not a JSON number"),
    ("json-infinity", "inv.json", _json_inventory(cpu=float("inf")), "Infinity is not a JSON number"),
    ("json-1e999", "inv.json", _json_inventory(cpu=1).replace('"cpu": 1', '"cpu": 1e999'), "requests.cpu"),
    (
        "yaml-dup-key",
        "inv.yaml",
        INVENTORY.replace("tenants:", "zones: []\ntenants:"),
        "inv.yaml:6: key 'zones' appears",
    ),
    (
        "yaml-dup-nested",
        "inv.yaml",
        INVENTORY.replace("{cpu: 2}", "{cpu: 2, cpu: 1}", 1),
        "key 'cpu' appears twice",
    ),
    (
        "json-dup-key",
        "inv.json",
        _json_inventory(cpu=1).replace('"cpu": 1', '"cpu": 1, "cpu": 2'),
        "key 'cpu'",
    ),
]


@pytest.mark.parametrize("command", ["rebalance", "drain", "metrics"])
@pytest.mark.parametrize(
    ("name", "text", "expected"), [c[1:] for c in INVENTORY_CASES], ids=[c[0] for c in INVENTORY_CASES]
)
def test_hostile_inventory_is_bad_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    name: str,
    text: str,
    expected: str | None,
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    argv = [command, "--inventory", str(path)] + (["--zone", "a"] if command == "drain" else [])
    code, err = _run(capsys, *argv)
    if expected is None and "2020-13-45" in text:
        assert code in (0, 1), err  # a date-like name is just a name now
        return
    assert code == 2, err
    assert str(tmp_path) in err
    if expected is not None:
        assert expected in err
