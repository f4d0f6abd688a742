"""The Pulumi engine (``make engine``) driving the program against the OpenStack box (marker ``engine``).

``pulumi_project`` is a throw-away Pulumi project in a tmp dir: ``Pulumi.yaml`` as the repository's
(with the repository's ``.venv``), ``infra/`` linked from the repository, a local file backend, its own
``PULUMI_HOME`` whose ``plugins/`` is the engine's. Credentials reach the program only through the
stack's ``openstack:*`` config (the engine runs without any ``OS_*`` variable), so the tests also check
that the program honours it. The network is loopback only: nothing is downloaded (automatic plugin
acquisition is off, the update check is off).

Missing engine or box: the tests fail (``make engine``; the box's own failure), never skip.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks import load_stack
from tests.openstack import openstack_box as box

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "govcloud-engine-tests"

# What the dev stack needs from the cloud and the box does not have by itself (created by
# `box_prerequisites`, each one as an operator would): the identity groups of the stacks the tests run, the `manager`
# role (Keystone Zed's bootstrap has admin/member/reader only), an external network `public` with a
# subnet, and Keystone endpoints for identity and network in region `dalian` (the box serves only Swift
# there; they point at the same Keystone and Neutron). Barbican is not in the box: no test creates an
# encrypted volume, so `govcloud doctor` runs with `--no-key-manager`.
STACK_FILES = (ROOT / "stacks" / "dev.yaml", ROOT / "tests" / "policies" / "stacks" / "broken.yaml")
EXTERNAL_NETWORK = "public"
BACKUP_REGION = "dalian"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/engine/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.engine)


class EngineMissing(Exception):
    """`tools/engine.sh --check` found no built engine."""


def built_engine() -> Path:
    """The bin directory of the engine `make engine` built; EngineMissing (never a build) when there is none."""
    result = subprocess.run(
        ["bash", str(ROOT / "tools" / "engine.sh"), "--check"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise EngineMissing(
            f"the Pulumi engine is not built ({result.stdout.strip()}): run `make engine`\n{result.stderr}"
        )
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    """The engine's bin directory; fails (never builds, never skips) when it is not built."""
    try:
        return built_engine()
    except EngineMissing as missing:
        pytest.fail(str(missing), pytrace=False)


@dataclass
class Pulumi:
    """Runs the engine's `pulumi` in one project directory with a private home and backend."""

    project: Path
    env: dict[str, str]
    log: list[str] = field(default_factory=list)

    def run(self, *args: str, check: bool = True, timeout: float = 1200) -> subprocess.CompletedProcess[str]:
        """`pulumi ARGS` in the project; a failure fails the test with the output's tail."""
        result = subprocess.run(
            ["pulumi", *args, "--non-interactive", "--color", "never"],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        self.log.append(
            f"$ pulumi {' '.join(args)}  -> {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"pulumi {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-6000:]}\n"
                f"{result.stderr[-4000:]}",
                pytrace=False,
            )
        return result

    def init_stack(self, stack: str, config: Mapping[str, Any]) -> Path:
        """Creates the stack and sets its config (kept beside the `encryptionsalt` that init wrote)."""
        self.run("stack", "init", stack, "--secrets-provider", "passphrase")
        path = self.project / f"Pulumi.{stack}.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
        document = document or {}
        document.setdefault("config", {}).update(config)
        path.write_text(yaml.safe_dump(document, sort_keys=True), encoding="utf-8")
        return path

    def resources(self, stack: str) -> list[dict[str, Any]]:
        exported = json.loads(self.run("stack", "export", "--stack", stack).stdout)
        return list(exported["deployment"].get("resources") or [])


def engine_env(engine: Path, home: Path, state: Path) -> dict[str, str]:
    """The engine's environment: no `OS_*` variable (credentials come from the stack config)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "PULUMI_"))}
    env.update(
        PATH=f"{engine}{os.pathsep}{env.get('PATH', '')}",
        PULUMI_HOME=str(home),
        PULUMI_BACKEND_URL=f"file://{state}",
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_IGNORE_AMBIENT_PLUGINS="true",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


def box_openstack_config(env: box.BoxEnv) -> dict[str, str]:
    """The box's admin credentials as the stack's `openstack:*` config."""
    return {
        "openstack:authUrl": env.auth_url,
        "openstack:userName": "admin",
        "openstack:password": box.PASSWORD,
        "openstack:tenantName": "admin",
        "openstack:userDomainName": "Default",
        "openstack:projectDomainName": "Default",
    }


def new_project(base: Path, engine_bin: Path) -> Pulumi:
    """A Pulumi project in ``base`` running the repository's program with the engine in ``engine_bin``:
    `infra/` linked, the repository's `.venv`, a private `PULUMI_HOME` and a local file backend."""
    project, home, state = base / "project", base / "home", base / "state"
    for directory in (project, home, state):
        directory.mkdir()
    (home / "plugins").symlink_to(engine_bin.parent / "plugins")
    spec = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    spec["runtime"]["options"]["virtualenv"] = str(ROOT / ".venv")
    spec.pop("config", None)
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    (project / "infra").symlink_to(ROOT / "infra")
    pulumi = Pulumi(project, engine_env(engine_bin, home, state))
    pulumi.run("login", f"file://{state}")
    return pulumi


@pytest.fixture(scope="session")
def pulumi_project(engine_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Pulumi:
    """A Pulumi project running the repository's program, with a local backend in a tmp dir."""
    return new_project(tmp_path_factory.mktemp("pulumi"), engine_bin)


def _ensure(found: Any, create: Any) -> Any:
    return found if found is not None else create()


@pytest.fixture(scope="package")
def box_prerequisites(openstack_box: box.BoxEnv, os_conn: Any) -> Iterator[None]:
    """What the stacks expect of the cloud and the box lacks (see the comment at the top), for the
    engine tests only: the external network and the `dalian` endpoints go again when they are done, so
    the box's other tests (tests/openstack, same box) see the cloud they expect."""
    undo = prepare_box(openstack_box, os_conn)
    yield
    for step in reversed(undo):
        step()


def prepare_box(
    openstack_box: box.BoxEnv, os_conn: Any, stack_files: tuple[Path, ...] = STACK_FILES
) -> list[Callable[[], None]]:
    """Creates what the stacks expect of the cloud and the box lacks (see the comment at the top); the
    steps that remove the network and endpoints it created (groups and roles stay: others find them)."""
    undo: list[Callable[[], None]] = []
    identity = os_conn.identity
    groups = sorted(
        {
            group
            for path in stack_files
            for tenant in load_stack(path).spec.tenants
            for group in (*tenant.groups.admin, *tenant.groups.member)
        }
    )
    for group in groups:
        _ensure(
            identity.find_group(group), lambda g=group: identity.create_group(name=g, domain_id="default")
        )
    _ensure(identity.find_role("manager"), lambda: identity.create_role(name="manager"))
    _ensure(identity.find_role("member"), lambda: identity.create_role(name="member"))
    network = os_conn.network
    public = network.find_network(EXTERNAL_NETWORK)
    if public is None:
        public = network.create_network(name=EXTERNAL_NETWORK, is_router_external=True, is_shared=False)
        subnet = network.create_subnet(
            network_id=public.id, name=f"{EXTERNAL_NETWORK}-v4", ip_version=4, cidr="198.51.100.0/24"
        )

        def remove_public() -> None:
            network.delete_subnet(subnet)
            network.delete_network(public)

        undo.append(remove_public)
    home = openstack_box.region
    for service_type in ("identity", "network"):
        service = next(s for s in identity.services() if s.type == service_type)
        existing = list(identity.endpoints(service_id=service.id))
        if any(e.region_id == BACKUP_REGION for e in existing):
            continue
        for endpoint in existing:
            if endpoint.region_id == home:
                created = identity.create_endpoint(
                    service_id=service.id,
                    interface=endpoint.interface,
                    url=endpoint.url,
                    region_id=BACKUP_REGION,
                )
                undo.append(lambda e=created: identity.delete_endpoint(e))
    return undo
