"""The version floors of pyproject.toml hold: a virtualenv with every dependency at its floor (and the
pinned ones at their pins) previews stacks and plans inventories exactly like the project's own.

A floor that is too low either fails to install (pip cannot resolve it against the pins) or installs and
behaves differently; both fail here. This is how the floors of `pulumi` (3.256: the mock monitor's
protobuf messages) and `pulumi-policy` (1.19: stack tags in stack validation) were found.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOOR = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*>=\s*(?P<version>[0-9][0-9.]*)")

# The commands compared: the mock preview with the policy pack (pulumi, pulumi-policy, pydantic, pyyaml,
# rich) and a plan (numpy, highspy).
COMMANDS = (
    ("preview", "--stack", "stacks/dev.yaml", "--json"),
    ("preview", "--stack", "tests/policies/stacks/broken.yaml", "--json"),
    ("rebalance", "--inventory", "scheduler/examples/dev-inventory.yaml", "--json"),
)


def pyproject() -> dict[str, Any]:
    """The ``[project]`` table of pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def floor_constraints() -> list[str]:
    """``name==floor`` for every ``name>=floor`` dependency of pyproject.toml."""
    project = pyproject()
    pins = []
    for requirement in project["dependencies"]:
        match = FLOOR.match(requirement)
        if match:
            pins.append(f"{match['name']}=={match['version']}")
    return pins


def test_every_dependency_has_a_floor() -> None:
    project = pyproject()
    unbounded = [r for r in project["dependencies"] if not (FLOOR.match(r) or "==" in r)]
    assert unbounded == []
    assert "pulumi==3.256" in floor_constraints()


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _release(version: str) -> tuple[int, ...]:
    """``1.19`` and ``1.19.0`` alike."""
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _govcloud(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`govcloud ARGS` of this checkout under ``python``'s packages."""
    return subprocess.run(
        [str(python), "-m", "govcloud", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def floors_venv(tmp_path: Path) -> Path:
    """A virtualenv with the project's dependencies at their floors (not the project itself: this
    checkout runs from its folder). Kept in the cache outside the repository under a hash of the
    dependency list and the Python version, so only a change of the floors installs again."""
    project = pyproject()
    key = hashlib.sha256(
        json.dumps([project["dependencies"], floor_constraints(), sys.version]).encode()
    ).hexdigest()[:16]
    cache = Path(os.environ.get("GOVCLOUD_CACHE", Path.home() / ".cache" / "govcloud"))
    final = cache / f"floors-{key}"
    if (final / "bin" / "python").exists():
        return final
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".floors-{key}.", dir=cache))
    subprocess.run([sys.executable, "-m", "venv", str(building)], check=True)
    constraints = tmp_path / "floors.txt"
    constraints.write_text("\n".join(floor_constraints()) + "\n", encoding="utf-8")
    install = subprocess.run(
        [str(building / "bin" / "pip"), "install", "-q", "-c", str(constraints), *project["dependencies"]],
        capture_output=True,
        text=True,
        check=False,
    )
    if install.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise AssertionError(f"the floors do not install together:\n{install.stderr[-3000:]}")
    # Only bin/python is used, and it finds its pyvenv.cfg wherever the folder is: it moves as a whole.
    try:
        building.rename(final)
    except OSError:  # another run finished first
        shutil.rmtree(building, ignore_errors=True)
    return final


def test_the_floor_versions_preview_and_plan_like_the_project(tmp_path: Path) -> None:
    venv = floors_venv(tmp_path)
    freeze = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    )
    installed = dict(line.split("==", 1) for line in freeze.stdout.splitlines() if "==" in line)
    installed = {_normal(name): version for name, version in installed.items()}
    for pin in floor_constraints():
        name, version = pin.split("==")
        assert _release(installed.get(_normal(name), "0")) == _release(version), pin

    for command in COMMANDS:
        at_floor, ours = (
            _govcloud(venv / "bin" / "python", *command),
            _govcloud(Path(sys.executable), *command),
        )
        assert at_floor.returncode == ours.returncode, (command, at_floor.stderr[-3000:])
        assert at_floor.stdout.strip(), command
        # Same documents; numbers equal up to the last digits a solver release may round differently
        # (HiGHS's dual bound differs in the 6th decimal between highspy 1.8 and today's).
        assert json.loads(at_floor.stdout) == _approx(json.loads(ours.stdout)), command


def _approx(document: object) -> object:
    """``document`` with every float as ``pytest.approx`` of it (relative 1e-4, absolute 1e-5)."""
    if isinstance(document, dict):
        return {key: _approx(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_approx(value) for value in document]
    if isinstance(document, float):
        return pytest.approx(document, rel=1e-4, abs=1e-5)
    return document
