"""A real Kubernetes control plane on loopback for the tests: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, and kwok simulating the nodes (the only fake part).

Binaries come from ``tools/k8s/build.sh`` (``$GOVCLOUD_K8S_BIN`` when ``make test`` already ran it).
Certificates are generated per run: with Python's ``cryptography`` when it is installed, else with
``openssl``. Every failure raises :class:`ControlPlaneError` with the tails of the component logs.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
# The annotation kwok's --manage-nodes-with-annotation-selector looks for.
KWOK_ANNOTATION = {"kwok.x-k8s.io/node": "fake"}
CLIENTS = {  # kubeconfig name -> (user CN, group O)
    "admin": ("admin", "system:masters"),
    "controller-manager": ("system:kube-controller-manager", None),
    "scheduler": ("system:kube-scheduler", None),
    "kwok": ("kwok", "system:masters"),
}
SERVER_SANS = ("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc")


class ControlPlaneError(Exception):
    pass


def bin_dir() -> Path:
    env = os.environ.get("GOVCLOUD_K8S_BIN")
    if env:
        return Path(env)
    out = subprocess.run(
        ["bash", str(ROOT / "tools/k8s/build.sh")], check=False, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise ControlPlaneError(f"tools/k8s/build.sh failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return Path(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- certificates ---------------------------------------------------------------------------


def _certs_cryptography(pki: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def key_pair(name: str) -> ec.EllipticCurvePrivateKey:
        key = ec.generate_private_key(ec.SECP256R1())
        (pki / f"{name}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        return key

    def subject(cn: str, org: str | None = None) -> x509.Name:
        attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)] if org else []
        return x509.Name([*attrs, x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = key_pair("ca")
    ca_name = subject("govcloud-ca")
    ca = (
        x509.CertificateBuilder(subject_name=ca_name, issuer_name=ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    (pki / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def issue(name: str, cn: str, org: str | None, server: bool) -> None:
        key = key_pair(name)
        builder = (
            x509.CertificateBuilder(subject_name=subject(cn, org), issuer_name=ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        if server:
            names = [x509.DNSName(n) for n in SERVER_SANS]
            names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ("127.0.0.1", "10.96.0.1")]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        (pki / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    issue("apiserver", "kube-apiserver", None, server=True)
    for name, (cn, org) in CLIENTS.items():
        issue(name, cn, org, server=False)
    sa = key_pair("sa")
    (pki / "sa.pub").write_bytes(
        sa.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _certs_openssl(pki: Path) -> None:
    if shutil.which("openssl") is None:
        raise ControlPlaneError("neither Python's cryptography nor openssl is available for certificates")

    def run(*args: str) -> None:
        out = subprocess.run(["openssl", *args], cwd=pki, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise ControlPlaneError(f"openssl {' '.join(args)} failed:\n{out.stderr[-2000:]}")

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=govcloud-ca")
    sans = ",".join([*(f"DNS:{n}" for n in SERVER_SANS), "IP:127.0.0.1", "IP:10.96.0.1"])
    (pki / "server.ext").write_text(
        f"basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName={sans}\n"
    )
    (pki / "client.ext").write_text("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")

    def issue(name: str, subj: str, ext: str) -> None:
        run("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subj)
        run(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.crt", "-days", "2", "-extfile", ext,
        )  # fmt: skip

    issue("apiserver", "/CN=kube-apiserver", "server.ext")
    for name, (cn, org) in CLIENTS.items():
        issue(name, (f"/O={org}" if org else "") + f"/CN={cn}", "client.ext")
    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sa.key")
    run("ec", "-in", "sa.key", "-pubout", "-out", "sa.pub")


def make_certs(pki: Path) -> str:
    pki.mkdir(parents=True, exist_ok=True)
    try:
        import cryptography  # noqa: F401
    except ImportError:
        _certs_openssl(pki)
        return "openssl"
    _certs_cryptography(pki)
    return "cryptography"


# --- the processes --------------------------------------------------------------------------


class ControlPlane:
    """Start with :meth:`start`, stop with :meth:`stop` (always: every process it started)."""

    def __init__(self, run_dir: Path, binaries: Path | None = None) -> None:
        self.dir = run_dir
        self.bin = binaries or bin_dir()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.timings: dict[str, float] = {}
        self.cert_tool = ""
        self.api_port = free_port()
        self.server = f"https://127.0.0.1:{self.api_port}"

    @property
    def pki(self) -> Path:
        return self.dir / "pki"

    def kubeconfig(self, name: str = "admin") -> Path:
        return self.dir / f"{name}.kubeconfig"

    def log_tails(self, lines: int = 25) -> str:
        out = []
        for name in COMPONENTS:
            log = self.dir / "log" / f"{name}.log"
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-lines:]
                proc = self.procs.get(name)
                state = (
                    "not started"
                    if proc is None
                    else f"exit {proc.poll()}"
                    if proc.poll() is not None
                    else "running"
                )
                out.append(f"--- {name} ({state}) {log}\n" + "\n".join(tail))
        return "\n".join(out)

    def fail(self, message: str) -> None:
        raise ControlPlaneError(f"{message}\n{self.log_tails()}")

    def _spawn(self, name: str, *args: str) -> None:
        log = (self.dir / "log" / f"{name}.log").open("wb")
        exe = self.bin / name
        self.procs[name] = subprocess.Popen(
            [str(exe), *args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        log.close()

    def _write_kubeconfigs(self) -> None:
        for name in CLIENTS:
            self.kubeconfig(name).write_text(
                f"""apiVersion: v1
kind: Config
clusters:
- name: govcloud
  cluster: {{server: "{self.server}", certificate-authority: "{self.pki}/ca.crt"}}
users:
- name: {name}
  user: {{client-certificate: "{self.pki}/{name}.crt", client-key: "{self.pki}/{name}.key"}}
contexts:
- name: {name}@govcloud
  context: {{cluster: govcloud, user: {name}}}
current-context: {name}@govcloud
"""
            )

    def _ready(self, path: str) -> bool:
        ctx = ssl.create_default_context(cafile=str(self.pki / "ca.crt"))
        ctx.load_cert_chain(str(self.pki / "admin.crt"), str(self.pki / "admin.key"))
        try:
            with urllib.request.urlopen(self.server + path, context=ctx, timeout=5) as reply:
                return reply.status == 200
        except OSError:
            return False

    def start(self, timeout: float = 180.0) -> None:
        t0 = time.monotonic()
        (self.dir / "log").mkdir(parents=True, exist_ok=True)
        self.cert_tool = make_certs(self.pki)
        self._write_kubeconfigs()
        self.timings["certificates"] = time.monotonic() - t0
        etcd_port, peer_port = free_port(), free_port()
        etcd = f"http://127.0.0.1:{etcd_port}"
        peer = f"http://127.0.0.1:{peer_port}"
        self._spawn(
            "etcd", "--name=govcloud", f"--data-dir={self.dir}/etcd",
            f"--listen-client-urls={etcd}", f"--advertise-client-urls={etcd}",
            f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=govcloud={peer}", "--unsafe-no-fsync", "--log-level=warn",
        )  # fmt: skip
        p = self.pki
        self._spawn(
            "kube-apiserver", f"--etcd-servers={etcd}",
            "--bind-address=127.0.0.1", f"--secure-port={self.api_port}", "--advertise-address=127.0.0.1",
            "--endpoint-reconciler-type=none", "--service-cluster-ip-range=10.96.0.0/16",
            f"--client-ca-file={p}/ca.crt", f"--tls-cert-file={p}/apiserver.crt",
            f"--tls-private-key-file={p}/apiserver.key",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={p}/sa.pub", f"--service-account-signing-key-file={p}/sa.key",
            "--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
            "--profiling=false",
        )  # fmt: skip
        self._wait("kube-apiserver /readyz", lambda: self._ready("/readyz"), t0 + timeout)
        self.timings["apiserver_ready"] = time.monotonic() - t0
        common = ["--bind-address=127.0.0.1", "--leader-elect=false", "--profiling=false"]
        kcm = self.kubeconfig("controller-manager")
        self._spawn(
            "kube-controller-manager", f"--kubeconfig={kcm}", f"--authentication-kubeconfig={kcm}",
            f"--authorization-kubeconfig={kcm}", f"--secure-port={free_port()}", *common,
            "--use-service-account-credentials=true", f"--service-account-private-key-file={p}/sa.key",
            f"--root-ca-file={p}/ca.crt", f"--cluster-signing-cert-file={p}/ca.crt",
            f"--cluster-signing-key-file={p}/ca.key",
            # kwok renews its nodes' leases from a process that competes for two busy cores: a longer
            # grace keeps a slow renewal from turning a fake node NotReady (and tainted) mid-test.
            "--node-monitor-grace-period=180s",
        )  # fmt: skip
        sched = self.kubeconfig("scheduler")
        self._spawn(
            "kube-scheduler", f"--kubeconfig={sched}", f"--authentication-kubeconfig={sched}",
            f"--authorization-kubeconfig={sched}", f"--secure-port={free_port()}", *common,
        )  # fmt: skip
        self._spawn(
            "kwok", f"--kubeconfig={self.kubeconfig('kwok')}",
            f"--config={self.bin.parent}/share/kwok-stages.yaml",
            "--node-lease-duration-seconds=40", "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            "--node-ip=127.0.0.1", f"--server-address=127.0.0.1:{free_port()}",
        )  # fmt: skip
        self.timings["started"] = time.monotonic() - t0

    def _wait(self, what: str, ready, deadline: float) -> None:  # type: ignore[no-untyped-def]
        while not ready():
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    self.fail(f"{name} exited ({proc.returncode}) while waiting for {what}")
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what}")
            time.sleep(0.1)

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                self.fail(f"{name} exited ({proc.returncode})")

    def stop(self) -> None:
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
