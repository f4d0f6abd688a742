"""Serving /metrics over HTTP, on a loopback address by default."""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from monitoring.exposition import LIVE_MAX_AGE, MetricsBody

# The classic text format (names escaped to underscores) that every Prometheus 2.x parses.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ListenError(Exception):
    """The address cannot be served (port taken, bad host); the message says which and why."""


@dataclass(frozen=True)
class ListenAddress:
    """A host and port; IPv6 hosts without brackets."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_listen(text: str) -> ListenAddress:
    """``127.0.0.1:9464``, ``[::1]:9464`` or ``:9464`` (loopback). Raises ValueError with the reason."""
    host, sep, port = text.rpartition(":")
    if not sep:
        raise ValueError(f"{text!r}: expected HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"{text!r}: put an IPv6 address in brackets, e.g. [::1]:9464")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r}: port must be a number from 1 to 65535")
    return ListenAddress(host or "127.0.0.1", int(port))


ALLOWED = "GET, HEAD"


class _MetricsHandler(BaseHTTPRequestHandler):
    """GET/HEAD /metrics (gzip when accepted), /healthz and /readyz; 405 for other methods, 404 elsewhere.

    HTTP/1.1 with Content-Length on every answer, so a scraper keeps its connection; an idle one is
    closed after ``timeout`` seconds so it never holds a thread for good. Nagle's algorithm is off:
    on a kept-alive connection a body's last short segment otherwise waits for the scraper's delayed
    ACK (tens of ms).
    """

    protocol_version = "HTTP/1.1"
    server_version = "govcloud"
    timeout = 60
    disable_nagle_algorithm = True
    body: MetricsBody  # set on the subclass serve_metrics makes

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_POST(self) -> None:
        self._refuse()

    do_PUT = do_DELETE = do_PATCH = do_POST

    def _on_metrics(self) -> bool:
        return self.path.split("?", 1)[0] in ("/metrics", "/metrics/")

    def _answer(self, send_body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path in ("/healthz", "/readyz"):
            # healthz: the process serves; readyz: a first inventory was observed (else 503)
            ok = path == "/healthz" or getattr(self.body, "ready", True)
            text = b"ok\n" if ok else b"no inventory observed yet\n"
            self._plain(200 if ok else 503, text, send_body)
            return
        if not self._on_metrics():
            self._plain(404, b"not found: metrics are at /metrics\n", send_body)
            return
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            payload, encoding = self.body.gzipped(LIVE_MAX_AGE), "gzip"
        else:
            payload, encoding = self.body.text(LIVE_MAX_AGE), None
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if send_body:
            self.wfile.write(payload)

    def _refuse(self) -> None:
        # The request body is never read: close the connection rather than parse it as a request.
        self.close_connection = True
        if not self._on_metrics():
            self._plain(404, b"not found: metrics are at /metrics\n", True, close=True)
            return
        self._plain(405, b"method not allowed: /metrics answers GET and HEAD\n", True, close=True)

    def _plain(self, status: int, text: bytes, send_body: bool, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        if status == 405:
            self.send_header("Allow", ALLOWED)
        if close:
            self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        if send_body:
            self.wfile.write(text)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    """A thread per connection (daemon threads) and a listen backlog that 20+ scrapers do not overflow.

    The default backlog of 5 made concurrent connects wait for SYN retransmits: p99 about 1 s.
    """

    daemon_threads = True
    request_queue_size = 128


class MetricsServer:
    """A running /metrics endpoint; ``close()`` stops it and frees the port."""

    def __init__(self, server: ThreadingHTTPServer, address: ListenAddress) -> None:
        self._server = server
        self.address = address
        self._thread = threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_metrics(body: MetricsBody, address: ListenAddress) -> MetricsServer:
    """Start serving ``body`` at ``address`` on a background thread."""
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(address.host).version == 6 else socket.AF_INET
    except ValueError:
        family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    server_class = type("_FamilyServer", (_Server,), {"address_family": family})
    handler = type("_BodyHandler", (_MetricsHandler,), {"body": body})
    try:
        server = server_class((address.host, address.port), handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ListenError(f"cannot listen on {address}: the port is already in use") from None
        raise ListenError(f"cannot listen on {address}: {error.strerror or error}") from None
    return MetricsServer(server, address)
