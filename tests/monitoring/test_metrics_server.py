"""The /metrics endpoint: plain and gzip bodies, 404 elsewhere, 405 for writes, concurrent scrapers,
a clear error when the port is taken."""

from __future__ import annotations

import gzip
import http.client
import socket
import threading
import urllib.error
import urllib.request

import pytest

from monitoring import server as server_module
from monitoring.collector import build_exporter
from monitoring.observation import Observation
from monitoring.server import ListenAddress, ListenError, parse_listen, serve_metrics
from scheduler.model.inventory_file import load_inventory
from tests.monitoring.conftest import free_port


@pytest.fixture
def served(test_inventory):
    exporter = build_exporter("test")
    exporter.holder.publish(Observation.of(load_inventory(test_inventory), None, 1.0))
    server = serve_metrics(exporter.body, ListenAddress("127.0.0.1", free_port()))
    yield exporter, server
    server.close()


def _get(server, path: str, **headers: str):
    request = urllib.request.Request(f"http://{server.address}{path}", headers=headers)
    return urllib.request.urlopen(request, timeout=10)


def test_plain_and_gzip_bodies_are_the_same(served) -> None:
    exporter, server = served
    with _get(server, "/metrics") as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        plain = response.read()
    with _get(server, "/metrics", **{"Accept-Encoding": "gzip"}) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        zipped = gzip.decompress(response.read())
    assert plain == zipped == exporter.body.text()
    assert b'govcloud_zone_utilization_ratio{resource="cpu",zone="zone-a"} 0.875' in plain
    assert b"govcloud_build_info" in plain


def test_other_paths_are_not_found(served) -> None:
    _, server = served
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(server, "/")
    assert error.value.code == 404


def test_health_and_readiness(served) -> None:
    _, server = served
    for path in ("/healthz", "/readyz"):
        with _get(server, path) as response:
            assert response.read() == b"ok\n"
    fresh = build_exporter("test")
    other = serve_metrics(fresh.body, ListenAddress("127.0.0.1", free_port()))
    try:
        with _get(other, "/healthz") as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as error:
            _get(other, "/readyz")
        assert error.value.code == 503
    finally:
        other.close()


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(
            ListenError, match=f"cannot listen on 127.0.0.1:{port}: the port is already in use"
        ):
            serve_metrics(build_exporter("test").body, ListenAddress("127.0.0.1", port))


def test_closing_frees_the_port() -> None:
    address = ListenAddress("127.0.0.1", free_port())
    serve_metrics(build_exporter("test").body, address).close()
    serve_metrics(build_exporter("test").body, address).close()


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1:9464", ListenAddress("127.0.0.1", 9464)),
        ("[::1]:9100", ListenAddress("::1", 9100)),
        (":9464", ListenAddress("127.0.0.1", 9464)),
        ("0.0.0.0:80", ListenAddress("0.0.0.0", 80)),
    ],
)
def test_parse_listen(text: str, address: ListenAddress) -> None:
    assert parse_listen(text) == address


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9464", "expected HOST:PORT"),
        ("::1:9464", "brackets"),
        ("host:http", "port must be"),
        ("h:70000", "port"),
    ],
)
def test_parse_listen_rejects(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_listen(text)


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    with socket.socket(socket.AF_INET6) as probe:
        try:
            probe.bind(("::1", 0))
        except OSError:
            pytest.skip("no IPv6 loopback on this machine")
        port = probe.getsockname()[1]
    server = serve_metrics(build_exporter("test").body, ListenAddress("::1", port))
    try:
        with _get(server, "/metrics") as response:
            assert b"govcloud_build_info" in response.read()
    finally:
        server.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_writing_methods_on_metrics_are_405_with_allow(served, method: str) -> None:
    _, server = served
    conn = http.client.HTTPConnection(server.address.host, server.address.port, timeout=10)
    try:
        conn.request(method, "/metrics", body=b"x=1", headers={"Content-Type": "text/plain"})
        response = conn.getresponse()
        assert response.status == 405
        assert response.getheader("Allow") == "GET, HEAD"
        assert b"method not allowed" in response.read()
    finally:
        conn.close()


def test_head_answers_headers_only(served) -> None:
    exporter, server = served
    conn = http.client.HTTPConnection(server.address.host, server.address.port, timeout=10)
    try:
        conn.request("HEAD", "/metrics")
        response = conn.getresponse()
        assert response.status == 200
        assert int(response.getheader("Content-Length")) == len(exporter.body.text())
        assert response.read() == b""
    finally:
        conn.close()


def test_twenty_concurrent_scrapers_all_get_200_on_kept_connections(served) -> None:
    """20 clients connect at once and scrape 5 times each over one HTTP/1.1 connection apiece."""
    exporter, server = served
    clients, rounds = 20, 5
    start = threading.Barrier(clients)
    outcomes: list[tuple[int, int, bool, bytes]] = []
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection(server.address.host, server.address.port, timeout=30)
        start.wait()
        conn.connect()
        first_socket = conn.sock
        for _ in range(rounds):
            conn.request("GET", "/metrics")
            response = conn.getresponse()
            body = response.read()
            with lock:
                outcomes.append((response.status, response.version, conn.sock is first_socket, body))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == clients * rounds
    assert {status for status, *_ in outcomes} == {200}
    assert {version for _, version, *_ in outcomes} == {11}
    assert all(kept for _, _, kept, _ in outcomes), "the server closed a keep-alive connection"
    assert {body for *_, body in outcomes} == {exporter.body.text()}


def test_answers_leave_without_nagle_delay(served, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each accepted connection has TCP_NODELAY: a kept-alive scrape's last short segment goes out at
    once instead of waiting for the scraper's delayed ACK (the p99 tail of issue #15)."""
    _, server = served
    seen: list[int] = []
    handler = server._server.RequestHandlerClass
    setup = handler.setup

    def recording_setup(self) -> None:
        setup(self)
        seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(handler, "setup", recording_setup)
    for _ in range(2):
        with _get(server, "/metrics") as response:
            assert response.status == 200
    assert len(seen) == 2
    assert all(seen)


def test_scrapes_within_the_max_age_share_the_live_rendering(served, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loop's counters are rendered at most once per LIVE_MAX_AGE for the endpoint, anew after a
    refresh; ``text()`` without an age (tests, one-off snapshots) is always fresh."""
    exporter, server = served
    monkeypatch.setattr(server_module, "LIVE_MAX_AGE", 3600.0)  # a slow machine stays within it

    def runs_ok() -> bytes:
        with _get(server, "/metrics") as response:
            body = response.read()
        return next(
            line
            for line in body.splitlines()
            if line.startswith(b'govcloud_rebalancer_runs_total{outcome="ok"}')
        )

    assert runs_ok().endswith(b" 0.0")
    exporter.metrics.runs.labels("ok").inc()
    assert runs_ok().endswith(b" 0.0")  # within the max age: the shared rendering
    assert b'govcloud_rebalancer_runs_total{outcome="ok"} 1.0' in exporter.body.text()
    exporter.holder.publish(exporter.holder.current)  # a refresh renders the live part anew
    assert runs_ok().endswith(b" 1.0")
