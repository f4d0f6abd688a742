"""``python -m bench.engine``: wall-clock time of `pulumi up` and of a no-change `pulumi preview` on the box.

Brings up the OpenStack box (tests/openstack; waits for the machine-wide box lock), prepares it as the
engine tests do (tests/engine/conftest.py: groups, roles, external network, endpoints in `dalian`),
and for each stack (dev; prod with ``--stacks dev,prod`` where the box can hold it) times, with the
engine of `make engine` and a local file backend in a tmp dir:

- ``pulumi up --yes --skip-preview`` from an empty stack (every resource created);
- ``pulumi preview --expect-no-changes`` right after it (the program run, every resource diffed).

Prints one row per stack: resources, up seconds, no-change preview seconds. The box goes down at the end.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.engine.conftest import (
    ROOT,
    Pulumi,
    box_openstack_config,
    engine_env,
    prepare_box,
)
from tests.openstack import openstack_box as box
from tests.openstack.box_fixtures import _machine_lock


def engine_bin() -> Path:
    import subprocess

    result = subprocess.run(
        ["bash", str(ROOT / "tools" / "engine.sh"), "--check"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit("the Pulumi engine is not built: run `make engine`")
    return Path(result.stdout.strip().splitlines()[-1])


def project(base: Path, engine: Path) -> Pulumi:
    import yaml

    directory, home, state = base / "project", base / "home", base / "state"
    for d in (directory, home, state):
        d.mkdir()
    (home / "plugins").symlink_to(engine.parent / "plugins")
    spec = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    spec["runtime"]["options"]["virtualenv"] = str(ROOT / ".venv")
    spec.pop("config", None)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    (directory / "infra").symlink_to(ROOT / "infra")
    pulumi = Pulumi(directory, engine_env(engine, home, state))
    pulumi.run("login", f"file://{state}")
    return pulumi


def timed(pulumi: Pulumi, *args: str) -> float:
    """Seconds of `pulumi ARGS`."""
    started = time.monotonic()
    pulumi.run(*args)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.engine")
    parser.add_argument("--stacks", default="dev", help="comma-separated stack names under stacks/")
    args = parser.parse_args(argv)
    engine = engine_bin()
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        base = Path(tmp)
        lock = _machine_lock()
        try:
            started = time.monotonic()
            (base / "box").mkdir()
            env = box.up(base / "box")
            print(f"box up in {time.monotonic() - started:.1f} s")
            prepare_box(env, env.connect())
            pulumi = project(base, engine)
            print("| stack | resources | pulumi up (s) | no-change preview (s) |")
            print("| --- | --- | --- | --- |")
            for name in args.stacks.split(","):
                pulumi.init_stack(
                    name,
                    {
                        "govcloud:stackFile": str(ROOT / "stacks" / f"{name}.yaml"),
                        "govcloud:barbicanKeys": "false",
                        **box_openstack_config(env),
                    },
                )
                up = timed(pulumi, "up", "--yes", "--skip-preview", "--stack", name)
                preview = timed(pulumi, "preview", "--expect-no-changes", "--stack", name)
                count = len(pulumi.resources(name))
                print(f"| {name} | {count} | {up:.1f} | {preview:.1f} |", flush=True)
        finally:
            box.down(base / "box")
            lock.close()


if __name__ == "__main__":
    main()
