"""OpenStack in a box: a small real OpenStack (Debian 12's Zed packages) on loopback, for the tests.

Keystone, Placement, Glance (file store), Neutron API (no agents), Cinder (API, scheduler, and a
volume service with the fake driver: storage zones ``sy-az1`` and ``sy-az3``), Nova api/conductor/
scheduler and three ``nova-compute`` with the fake virt driver in three availability zones, on
RabbitMQ and MariaDB (a server of the box's own: datadir under ``DIR/mariadb``, one database per
service, 127.0.0.1:13306); Swift as two single-replica clusters, regions ``shenyang`` and ``dalian``,
with container sync between them. Every service runs under Debian's ``/usr/bin/python3`` in its own process
group; ``down`` stops exactly the process groups ``up`` recorded in ``DIR/pids.json``.

Usage, from the repository root: ``python3 -m tests.openstack.openstack_box up|down DIR`` (``up`` prints
the ``OS_*`` environment). The layout, configuration and process helpers are in ``box_layout``,
``box_config`` and ``box_processes`` beside it.
Only the standard library is used here, so the module runs under any Python >= 3.11.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from tests.openstack.box_config import (
    BUILD_RINGS,
    database_url,
    swift_dir,
    swift_entry,
    write_configs,
    write_swift_configs,
)
from tests.openstack.box_layout import (
    COMMON_DIR,
    COMPUTES,
    DATABASES,
    DB_USER,
    HOST,
    INSTALL_SCRIPT,
    PASSWORD,
    PORTS,
    READY_TIMEOUT,
    REGION,
    SERVICE_USERS,
    SWIFT_PORTS,
    SWIFT_REGIONS,
    SWIFT_SERVERS,
    SYSTEM_PYTHON,
    VOLUME_BACKENDS,
    BoxEnv,
    BoxError,
)
from tests.openstack.box_processes import (
    Processes,
    RestClient,
    all_log_tails,
    http_answers,
    mariadb_daemon,
    port_open,
    py_entry,
    wait_for,
)


class Box:
    """One bring-up of the box into ``directory`` (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.d = directory
        self.etc = directory / "etc"
        self.procs = Processes(directory)
        self.auth_url = f"http://{HOST}:{PORTS['keystone']}/v3"
        self.rest = RestClient(self.auth_url)
        self.timings: dict[str, float] = {}
        self._t0 = time.monotonic()

    def _mark(self, what: str) -> None:
        self.timings[what] = round(time.monotonic() - self._t0, 1)

    def _wait_http(self, name: str, proc: str, path: str = "/") -> None:
        url = f"http://{HOST}:{PORTS[name]}{path}"
        wait_for(
            f"{name} at {url}", lambda: http_answers(url), lambda: self.procs.check_alive(proc), READY_TIMEOUT
        )
        self._mark(f"{name} answers")

    # --- services ----------------------------------------------------------------------------

    def mariadb(self) -> None:
        """The box's own MariaDB: a fresh datadir, root by unix socket only, one database per service."""
        base = self.d / "mariadb"
        data = base / "data"
        base.mkdir(exist_ok=True)
        socket_path = base / "mariadb.sock"
        user = pwd.getpwuid(os.getuid()).pw_name
        install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        if install is None:
            raise BoxError(f"mariadb-install-db not installed: run {INSTALL_SCRIPT} first")
        self.procs.run(
            "mariadb-setup",
            [
                install,
                "--no-defaults",
                f"--datadir={data}",
                f"--user={user}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ],
        )
        self.procs.start(
            "mariadb",
            [
                mariadb_daemon(),
                "--no-defaults",
                f"--datadir={data}",
                f"--user={user}",
                f"--socket={socket_path}",
                f"--pid-file={base / 'mariadb.pid'}",
                f"--bind-address={HOST}",
                f"--port={PORTS['mariadb']}",
                "--skip-name-resolve",
                "--skip-log-bin",
                "--max-connections=1000",
                "--innodb-buffer-pool-size=128M",
                "--innodb-flush-log-at-trx-commit=0",  # a test box: losing the last second on a crash is fine
                "--innodb-doublewrite=0",
                "--character-set-server=utf8mb3",
                "--collation-server=utf8mb3_general_ci",
            ],
        )
        wait_for(
            "mariadb",
            lambda: socket_path.exists() and port_open(PORTS["mariadb"]),
            lambda: self.procs.check_alive("mariadb"),
            READY_TIMEOUT,
        )
        sql = [f"CREATE USER '{DB_USER}'@'{HOST}' IDENTIFIED BY '{PASSWORD}';"]
        for name in DATABASES:
            sql.append(f"CREATE DATABASE {name} CHARACTER SET utf8mb3;")
            sql.append(f"GRANT ALL PRIVILEGES ON {name}.* TO '{DB_USER}'@'{HOST}';")
        client = shutil.which("mariadb") or shutil.which("mysql") or "mariadb"
        self.procs.run(
            "mariadb-setup",
            [client, "--no-defaults", f"--socket={socket_path}", "-u", "root", "-e", "\n".join(sql)],
        )
        self._mark("mariadb answers")

    def rabbitmq(self) -> None:
        base = self.d / "rabbitmq"
        base.mkdir(exist_ok=True)
        env = {
            "HOME": str(base),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_NODENAME": "govcloud-box@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": HOST,
            "RABBITMQ_NODE_PORT": str(PORTS["rabbitmq"]),
            "RABBITMQ_DIST_PORT": "25672",
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(base / "rabbitmq.pid"),
            "ERL_EPMD_ADDRESS": HOST,
            "ERL_EPMD_PORT": str(PORTS["epmd"]),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        (base / "enabled_plugins").write_text("[].\n")
        (base / "rabbitmq.conf").write_text("loopback_users.guest = false\n")
        # Our own epmd in the foreground, so it is one of the processes we stop.
        self.procs.start("epmd", ["epmd", "-address", HOST, "-port", str(PORTS["epmd"])], env)
        wait_for("epmd", lambda: port_open(PORTS["epmd"]), lambda: self.procs.check_alive("epmd"), 30)
        self.procs.start("rabbitmq", ["/usr/lib/rabbitmq/bin/rabbitmq-server"], env)
        wait_for(
            "rabbitmq",
            lambda: port_open(PORTS["rabbitmq"]),
            lambda: self.procs.check_alive("rabbitmq"),
            READY_TIMEOUT,
        )
        self._mark("rabbitmq answers")

    def keystone(self) -> None:
        conf = str(self.etc / "keystone.conf")
        manage = lambda *a: py_entry("keystone.cmd.manage:main", "--config-file", conf, *a)  # noqa: E731
        self.procs.run("keystone-setup", manage("db_sync"))
        # What fernet_setup/credential_setup would write, without two more slow keystone-manage starts.
        for repo in ("fernet-keys", "credential-keys"):
            keys = self.d / "keystone" / repo
            keys.mkdir(mode=0o700, exist_ok=True)
            for index in ("0", "1"):
                (keys / index).write_bytes(base64.urlsafe_b64encode(os.urandom(32)))
        self.procs.run(
            "keystone-setup",
            manage(
                "bootstrap",
                "--bootstrap-password",
                PASSWORD,
                "--bootstrap-admin-url",
                self.auth_url,
                "--bootstrap-public-url",
                self.auth_url,
                "--bootstrap-internal-url",
                self.auth_url,
                "--bootstrap-region-id",
                REGION,
            ),
        )
        self._mark("keystone db")
        wsgi = self.d / "keystone-wsgi.py"
        wsgi.write_text(
            "from keystone.server.wsgi import initialize_public_application\n"
            "application = initialize_public_application()\n"
        )
        self.procs.start(
            "keystone",
            self._uwsgi("keystone", wsgi, processes=2),
            {"OS_KEYSTONE_CONFIG_FILES": conf},
        )
        self._wait_http("keystone", "keystone", "/v3")
        self._register_services()
        self._mark("keystone catalog")

    def _uwsgi(self, name: str, wsgi_file: Path, processes: int = 1) -> list[str]:
        # Processes with one thread each; --http with keep-alive
        # (--http11-socket stalls every request for seconds).
        return [
            "uwsgi",
            "--plugin",
            "python3,http",
            "--http",
            f"{HOST}:{PORTS[name]}",
            "--http-keepalive",
            "--wsgi-file",
            str(wsgi_file),
            "--master",
            "--processes",
            str(processes),
            "--threads",
            "1",
            "--die-on-term",
            "--need-app",
            "--buffer-size",
            "65535",
            "--pyhome",
            "/usr",
        ]

    def _register_services(self) -> None:
        ks = self.auth_url
        rest = self.rest

        def find(collection: str, name: str) -> str:
            items = rest.call("GET", f"{ks}/{collection}?name={name}")[collection]
            assert isinstance(items, list)
            return str(items[0]["id"])

        service_project = rest.call(
            "POST", f"{ks}/projects", {"project": {"name": "service", "domain_id": "default"}}
        )
        project_id = service_project["project"]["id"]  # type: ignore[index]
        admin_role = find("roles", "admin")
        for user in SERVICE_USERS:
            created = rest.call(
                "POST", f"{ks}/users", {"user": {"name": user, "password": PASSWORD, "domain_id": "default"}}
            )
            user_id = created["user"]["id"]  # type: ignore[index]
            rest.call("PUT", f"{ks}/projects/{project_id}/users/{user_id}/roles/{admin_role}")
        services = {
            "compute": ("nova", f"http://{HOST}:{PORTS['nova']}/v2.1"),
            "placement": ("placement", f"http://{HOST}:{PORTS['placement']}"),
            "image": ("glance", f"http://{HOST}:{PORTS['glance']}"),
            "network": ("neutron", f"http://{HOST}:{PORTS['neutron']}"),
            "volumev3": ("cinderv3", f"http://{HOST}:{PORTS['cinder']}/v3/%(project_id)s"),
            "block-storage": ("cinder", f"http://{HOST}:{PORTS['cinder']}/v3/%(project_id)s"),
        }
        endpoints = [(kind, name, url, REGION) for kind, (name, url) in services.items()]
        for region in SWIFT_REGIONS:
            if region != REGION:
                rest.call("POST", f"{ks}/regions", {"region": {"id": region}})
            url = f"http://{HOST}:{SWIFT_PORTS[region]['proxy']}/v1/AUTH_%(project_id)s"
            endpoints.append(("object-store", "swift", url, region))
        service_ids: dict[str, str] = {}
        for kind, name, url, region in endpoints:
            if kind not in service_ids:
                svc = rest.call("POST", f"{ks}/services", {"service": {"type": kind, "name": name}})
                service_ids[kind] = svc["service"]["id"]  # type: ignore[index]
            for interface in ("public", "internal", "admin"):
                rest.call(
                    "POST",
                    f"{ks}/endpoints",
                    {
                        "endpoint": {
                            "service_id": service_ids[kind],
                            "interface": interface,
                            "url": url,
                            "region_id": region,
                        }
                    },
                )
        # Swift's reseller admin may set account metadata such as the byte quota (account_quotas).
        reseller = rest.call("POST", f"{ks}/roles", {"role": {"name": "ResellerAdmin"}})
        admin_project, admin_user = find("projects", "admin"), find("users", "admin")
        rest.call(
            "PUT",
            f"{ks}/projects/{admin_project}/users/{admin_user}/roles/{reseller['role']['id']}",  # type: ignore[index]
        )

    def placement(self) -> None:
        env = {"OS_PLACEMENT_CONFIG_DIR": str(self.etc)}
        conf = str(self.etc / "placement.conf")
        self.procs.run(
            "placement-setup", py_entry("placement.cmd.manage:main", "--config-file", conf, "db", "sync")
        )
        wsgi = self.d / "placement-wsgi.py"
        wsgi.write_text("from placement.wsgi import init_application\napplication = init_application()\n")
        self.procs.start("placement", self._uwsgi("placement", wsgi), env)
        self._wait_http("placement", "placement")

    def glance(self) -> None:
        conf = str(self.etc / "glance-api.conf")
        self.procs.run("glance-setup", py_entry("glance.cmd.manage:main", "--config-file", conf, "db_sync"))
        self.procs.start("glance", py_entry("glance.cmd.api:main", "--config-file", conf))
        self._wait_http("glance", "glance")

    def neutron(self) -> None:
        conf = str(self.etc / "neutron.conf")
        # Neutron's few hundred migrations take minutes: create the head schema, then stamp it.
        create = textwrap.dedent(
            f"""
            import sqlalchemy
            from neutron.db.migration.models import head
            engine = sqlalchemy.create_engine({database_url(self.d, "neutron")!r})
            head.get_metadata().create_all(engine)
            """
        )
        self.procs.run("neutron-setup", [SYSTEM_PYTHON, "-c", create])
        self.procs.run(
            "neutron-setup",
            py_entry("neutron.db.migration.cli:main", "--config-file", conf, "stamp", "heads"),
        )
        self.procs.start("neutron", py_entry("neutron.cmd.eventlet.server:main", "--config-file", conf))
        self._wait_http("neutron", "neutron")

    def cinder(self) -> None:
        conf = str(self.etc / "cinder.conf")
        self.procs.run(
            "cinder-setup", py_entry("cinder.cmd.manage:main", "--config-file", conf, "db", "sync")
        )
        self.procs.start("cinder", py_entry("cinder.cmd.api:main", "--config-file", conf))
        # Scheduler and volume service reach RabbitMQ when it is up (oslo.messaging retries).
        self.procs.start("cinder-scheduler", py_entry("cinder.cmd.scheduler:main", "--config-file", conf))
        self.procs.start("cinder-volume", py_entry("cinder.cmd.volume:main", "--config-file", conf))
        self._wait_http("cinder", "cinder")

    def volume_services(self) -> None:
        """Waits until each backend's cinder-volume service is up (they need Keystone and RabbitMQ)."""
        cinder = f"http://{HOST}:{PORTS['cinder']}/v3"
        headers = {"OpenStack-API-Version": "volume 3.67"}

        def backends_up() -> bool:
            found = self.rest.call("GET", f"{cinder}/os-services?binary=cinder-volume", headers=headers)
            up = {
                (s["host"].rsplit("@", 1)[-1], s["zone"])  # type: ignore[index]
                for s in found["services"]  # type: ignore[union-attr]
                if s["state"] == "up"  # type: ignore[index]
            }
            return up >= set(VOLUME_BACKENDS.items())

        def alive() -> None:
            for name in ("cinder", "cinder-scheduler", "cinder-volume"):
                self.procs.check_alive(name)

        wait_for("cinder-volume services up", backends_up, alive, READY_TIMEOUT)
        self._mark("volume services up")

    def swift(self) -> None:
        """Both regions' clusters: rings, servers, proxy and a container-sync daemon each."""
        waits: list[tuple[str, Callable[[], bool], str]] = []
        for region in SWIFT_REGIONS:
            sd = swift_dir(self.d, region)
            ports = SWIFT_PORTS[region]
            self.procs.run(
                f"swift-{region}-setup",
                [SYSTEM_PYTHON, "-c", BUILD_RINGS, HOST, str(sd), *(str(ports[k]) for k in SWIFT_SERVERS)],
            )
            for server in (*SWIFT_SERVERS, "proxy"):
                conf = str(sd / f"{server}-server.conf")
                run = f"from swift.common.wsgi import run_wsgi\nsys.exit(run_wsgi({conf!r}, {server + '-server'!r}, verbose=True))"
                self.procs.start(f"swift-{region}-{server}", swift_entry(sd, run))
            conf = str(sd / "container-server.conf")
            sync = (
                "from swift.common.daemon import run_daemon\nfrom swift.container.sync import ContainerSync\n"
                f"run_daemon(ContainerSync, {conf!r}, section_name='container-sync', verbose=True)"
            )
            self.procs.start(f"swift-{region}-container-sync", swift_entry(sd, sync))
            for server in SWIFT_SERVERS:
                waits.append((f"swift-{region}-{server}", partial(port_open, ports[server]), ""))
            health = f"http://{HOST}:{ports['proxy']}/healthcheck"
            waits.append((f"swift-{region}-proxy", partial(http_answers, health), health))
        for name, probe, _ in waits:
            wait_for(name, probe, partial(self.procs.check_alive, name), READY_TIMEOUT)
        for region in SWIFT_REGIONS:
            self.procs.check_alive(f"swift-{region}-container-sync")
        self._mark("swift answers")

    def nova_control(self) -> None:
        conf = ["--config-file", str(self.etc / "nova.conf")]
        manage = lambda *a: py_entry("nova.cmd.manage:main", *conf, *a)  # noqa: E731
        self.procs.run("nova-setup", manage("api_db", "sync"))
        self.procs.run(
            "nova-setup",
            manage(
                "cell_v2", "map_cell0", "--database_connection", (self.etc / "nova_cell0_url").read_text()
            ),
        )
        self.procs.run("nova-setup", manage("cell_v2", "create_cell", "--name", "cell1"))
        self.procs.run("nova-setup", manage("db", "sync"))
        self._mark("nova db")
        self.procs.start("nova-api", py_entry("nova.cmd.api:main", *conf))
        self._wait_http("nova", "nova-api")

    def computes(self) -> None:
        # The scheduler exits when Placement or Keystone do not answer at its start, and a compute
        # that cannot reach Placement waits a whole periodic interval: start them only now.
        conf = ["--config-file", str(self.etc / "nova.conf")]
        self.procs.start("nova-conductor", py_entry("nova.cmd.conductor:main", *conf))
        self.procs.start("nova-scheduler", py_entry("nova.cmd.scheduler:main", *conf))
        for host in COMPUTES:
            self.procs.start(
                host,
                py_entry(
                    "nova.cmd.compute:main",
                    "--config-file",
                    str(self.etc / "nova.conf"),
                    "--config-file",
                    str(self.etc / f"{host}.conf"),
                ),
            )
        nova = f"http://{HOST}:{PORTS['nova']}/v2.1"
        headers = {"OpenStack-API-Version": "compute 2.53"}

        def computes_up() -> bool:
            services = self.rest.call("GET", f"{nova}/os-services?binary=nova-compute", headers=headers)
            up = {s["host"] for s in services["services"] if s["state"] == "up"}  # type: ignore[union-attr,index]
            return up >= set(COMPUTES)

        def alive() -> None:
            for name in ("nova-conductor", "nova-scheduler", *COMPUTES):
                self.procs.check_alive(name)

        wait_for("nova-compute services up", computes_up, alive, READY_TIMEOUT)
        self._mark("computes up")
        self.procs.run(
            "nova-setup",
            py_entry(
                "nova.cmd.manage:main",
                "--config-file",
                str(self.etc / "nova.conf"),
                "cell_v2",
                "discover_hosts",
            ),
        )

        def hypervisors_listed() -> bool:
            found = self.rest.call("GET", f"{nova}/os-hypervisors", headers=headers)["hypervisors"]
            return {h["hypervisor_hostname"] for h in found} >= set(COMPUTES)  # type: ignore[union-attr,index]

        wait_for("hypervisors listed", hypervisors_listed, alive, READY_TIMEOUT)
        for host, zone in COMPUTES.items():
            agg = self.rest.call(
                "POST",
                f"{nova}/os-aggregates",
                {"aggregate": {"name": zone, "availability_zone": zone}},
                headers,
            )
            agg_id = agg["aggregate"]["id"]  # type: ignore[index]
            self.rest.call(
                "POST", f"{nova}/os-aggregates/{agg_id}/action", {"add_host": {"host": host}}, headers
            )
        placement = f"http://{HOST}:{PORTS['placement']}"

        def providers_ready() -> bool:
            rps = self.rest.call(
                "GET", f"{placement}/resource_providers", headers={"OpenStack-API-Version": "placement 1.14"}
            )
            names = {rp["name"] for rp in rps["resource_providers"]}  # type: ignore[union-attr,index]
            return names >= set(COMPUTES)

        wait_for("placement resource providers", providers_ready, alive, READY_TIMEOUT)
        self._mark("zones ready")

    # --- orchestration -----------------------------------------------------------------------

    def up(self) -> BoxEnv:
        if (
            not (COMMON_DIR / ".unpacked").exists()
            or not Path("/usr/lib/python3/dist-packages/nova").exists()
            or not Path("/usr/lib/python3/dist-packages/swift").exists()
        ):
            raise BoxError(f"OpenStack packages missing: run {INSTALL_SCRIPT} first")
        ports = {
            **PORTS,
            **{f"swift {r} {k}": port for r in SWIFT_REGIONS for k, port in SWIFT_PORTS[r].items()},
        }
        busy = [f"{name} ({port})" for name, port in ports.items() if port_open(port)]
        if busy:
            raise BoxError(
                f"ports already in use: {', '.join(busy)}; is a box from an earlier run still up? "
                "stop it with: python3 -m tests.openstack.openstack_box down ITS_DIR"
            )
        write_configs(self.d)
        write_swift_configs(self.d)
        self.mariadb()  # every service's database setup needs it
        keystone_done = threading.Event()

        def after_keystone(step: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                step()
                keystone_done.wait(READY_TIMEOUT)

            return run

        with ThreadPoolExecutor(max_workers=8) as pool:
            ks = pool.submit(self.keystone)
            futures = [
                pool.submit(self.rabbitmq),
                pool.submit(self.placement),
                pool.submit(self.glance),
                pool.submit(self.neutron),
                pool.submit(self.cinder),
                pool.submit(self.nova_control),
                pool.submit(self.swift),
            ]
            ks.result()
            keystone_done.set()
            for future in futures:
                future.result()
        self._mark("all APIs answer")
        self.computes()
        self.volume_services()
        return BoxEnv(self.d, self.auth_url, REGION, dict(COMPUTES), dict(self.timings))


def up(directory: Path) -> BoxEnv:
    """Brings the box up in ``directory``; on failure stops what started and raises ``BoxError``."""
    directory.mkdir(parents=True, exist_ok=True)
    box = Box(directory)
    try:
        return box.up()
    except BaseException as error:
        down(directory)
        if isinstance(error, BoxError):
            raise
        trace = "".join(traceback.format_exception(error))
        raise BoxError(f"{trace}\n{all_log_tails(directory)}") from error


def down(directory: Path, timeout: float = 20.0) -> None:
    """Stops exactly the process groups ``up`` started (recorded in ``DIR/pids.json``)."""
    pidfile = directory / "pids.json"
    if not pidfile.exists():
        return
    pids: dict[str, int] = json.loads(pidfile.read_text())
    # Computes and control services before the broker and the database, the broker before epmd.
    order = sorted(pids, key=lambda n: {"rabbitmq": 1, "mariadb": 1, "epmd": 2}.get(n, 0))
    for name in order:
        _signal_group(pids[name], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for name in order:
        while _group_alive(pids[name]) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(pids[name]):
            _signal_group(pids[name], signal.SIGKILL)
    pidfile.unlink()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
    with contextlib.suppress(ChildProcessError):  # reap our own child, if it is one
        os.waitpid(pgid, os.WNOHANG)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)
    return True


def ensure_installed() -> None:
    """Runs the install script when the packages or the unpacked config files are missing."""
    if (
        (COMMON_DIR / ".unpacked").exists()
        and shutil.which("uwsgi")
        and Path("/usr/lib/rabbitmq").exists()
        and Path("/usr/lib/python3/dist-packages/swift").exists()
        and Path("/usr/lib/python3/dist-packages/pymysql").exists()
        and (shutil.which("mariadbd") or Path("/usr/sbin/mariadbd").exists())
    ):
        return
    subprocess.run(["bash", str(INSTALL_SCRIPT), str(COMMON_DIR)], check=True)


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("up", "down"):
        print("usage: python3 -m tests.openstack.openstack_box up|down DIR", file=sys.stderr)
        return 2
    directory = Path(argv[1]).resolve()
    if argv[0] == "down":
        down(directory)
        return 0
    start = time.monotonic()
    try:
        env = up(directory)
    except BoxError as error:
        print(f"bring-up failed: {error}", file=sys.stderr)
        return 1
    for key, value in env.environ.items():
        print(f"export {key}={value}")
    print(f"# up in {time.monotonic() - start:.1f} s: {json.dumps(env.timings)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
