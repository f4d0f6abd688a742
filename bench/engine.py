"""``python -m bench.engine``: the real Pulumi engine on the OpenStack box, timed.

Brings up the OpenStack box (tests/openstack; waits for the machine-wide box lock), prepares it as the
engine tests do (tests/engine/conftest.py: groups, roles, external network, endpoints in `dalian`) and,
with the engine of `make engine` and a local file backend in a tmp dir, measures:

- for each shipped stack (``--stacks dev,prod``): ``pulumi up --yes --skip-preview`` from an empty stack
  (every resource created), then ``pulumi preview --expect-no-changes`` (the program run, every resource
  read and diffed);
- a generated stack of ``--tenants`` agencies in the box's regions (the dev stack's regions, classes and
  groups; ``0`` skips it): ``pulumi preview`` of it from nothing against ``govcloud preview`` of it (the
  same program under mocks, with the policy pack).

Prints a table; the box goes down at the end. Wall-clock seconds, on whatever machine runs it.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from tests.engine.conftest import (
    ROOT,
    STACK_FILES,
    EngineMissing,
    Pulumi,
    box_openstack_config,
    built_engine,
    new_project,
    prepare_box,
)
from tests.openstack import openstack_box as box
from tests.openstack.box_fixtures import _machine_lock

CLASSES = ("general", "important", "core")


def timed(pulumi: Pulumi, *args: str) -> float:
    """Seconds of `pulumi ARGS`."""
    started = time.monotonic()
    pulumi.run(*args, timeout=7200)
    return time.monotonic() - started


def dev_sized(tenants: int) -> dict[str, Any]:
    """The dev stack with ``tenants`` agencies: its tenants' shapes in turn, renamed, on free slots, in
    zones grown to hold their quotas."""
    document = yaml.safe_load((ROOT / "stacks" / "dev.yaml").read_text(encoding="utf-8"))
    for region in document["regions"]:
        for zone in region.get("zones", []):
            zone["capacity"] = {k: v * tenants for k, v in zone["capacity"].items()}
    shapes = document["tenants"]
    grown = []
    for i in range(tenants):
        tenant = dict(shapes[i % len(shapes)])
        tenant.update(name=f"agency{i + 1:03d}", display_name=f"Agency {i + 1}", slot=i + 1)
        grown.append(tenant)
    document["tenants"] = grown
    return document


def stack_config(stack_file: Path, env: box.BoxEnv) -> dict[str, str]:
    return {"govcloud:stackFile": str(stack_file), **box_openstack_config(env)}


def _deploy(pulumi: Pulumi, stack_file: Path, env: box.BoxEnv, table: Table) -> None:
    name = stack_file.stem
    pulumi.init_stack(name, stack_config(stack_file, env))
    up = timed(pulumi, "up", "--yes", "--skip-preview", "--stack", name)
    count = len(pulumi.resources(name))
    table.add_row(name, str(count), "pulumi up (from nothing)", f"{up:.1f}")
    preview = timed(pulumi, "preview", "--expect-no-changes", "--stack", name)
    table.add_row(name, str(count), "pulumi preview (no change)", f"{preview:.1f}")


def _preview_generated(pulumi: Pulumi, base: Path, tenants: int, env: box.BoxEnv, table: Table) -> None:
    generated = base / f"dev-{tenants}.yaml"
    generated.write_text(yaml.safe_dump(dev_sized(tenants), allow_unicode=True), encoding="utf-8")
    name = generated.stem
    pulumi.init_stack(name, stack_config(generated, env))
    real = timed(pulumi, "preview", "--stack", name)
    started = time.monotonic()
    mocked = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "govcloud"), "preview", "--stack", str(generated), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if mocked.returncode not in (0, 1):
        raise SystemExit(f"govcloud preview failed:\n{mocked.stderr[-3000:]}")
    count = len(yaml.safe_load(mocked.stdout)["resources"])
    table.add_row(name, str(count), "pulumi preview (from nothing)", f"{real:.1f}")
    table.add_row(name, str(count), "govcloud preview (mocks + policies)", f"{seconds:.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.engine")
    parser.add_argument("--stacks", default="dev,prod", help="comma-separated stack names under stacks/")
    parser.add_argument("--tenants", type=int, default=200, help="agencies of the generated stack (0: none)")
    args = parser.parse_args(argv)
    try:
        engine = built_engine()
    except EngineMissing as missing:
        raise SystemExit(str(missing)) from None
    console = Console()
    table = Table(title="The Pulumi engine on the OpenStack box (wall seconds)")
    for column in ("stack", "resources", "command", "seconds"):
        table.add_column(column, justify="right" if column in ("resources", "seconds") else "left")
    shipped = [ROOT / "stacks" / f"{name}.yaml" for name in args.stacks.split(",") if name]
    cases: list[Path | None] = [*shipped, None] if args.tenants else list(shipped)
    lock = _machine_lock()
    try:
        for stack_file in cases:
            # A fresh box for each shipped stack: the stacks share tenant names, and Keystone project
            # and Cinder volume type names are unique in a domain. The generated stack only previews.
            with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
                base = Path(tmp)
                started = time.monotonic()
                (base / "box").mkdir()
                env = box.up(base / "box")
                try:
                    console.print(f"box up in {time.monotonic() - started:.1f} s")
                    files = (stack_file,) if stack_file else ()
                    prepare_box(env, env.connect(), STACK_FILES + files)
                    (base / "engine").mkdir()
                    pulumi = new_project(base / "engine", engine)
                    if stack_file is not None:
                        _deploy(pulumi, stack_file, env, table)
                    else:
                        _preview_generated(pulumi, base, args.tenants, env, table)
                    console.print(table)
                finally:
                    box.down(base / "box")
    finally:
        lock.close()
    console.print(table)


if __name__ == "__main__":
    main()
