"""Serving /metrics over HTTP, on a loopback address by default."""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from monitoring.exposition import MetricsBody

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


def metrics_app(body: MetricsBody) -> Any:
    """A WSGI app serving ``body`` at /metrics (gzip when the client accepts it), /healthz (200 while
    the process serves), /readyz (200 once a first inventory was observed, else 503), 404 elsewhere."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path in ("/healthz", "/readyz"):
            ok = path == "/healthz" or getattr(body, "ready", True)
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok\n" if ok else b"no inventory observed yet\n"]
        if path not in ("/metrics", "/metrics/"):
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"not found: metrics are at /metrics\n"]
        headers = [("Content-Type", CONTENT_TYPE)]
        if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
            payload = body.gzipped()
            headers.append(("Content-Encoding", "gzip"))
        else:
            payload = body.text()
        headers.append(("Content-Length", str(len(payload))))
        start_response("200 OK", headers)
        return [payload]

    return app


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class MetricsServer:
    """A running /metrics endpoint; ``close()`` stops it and frees the port."""

    def __init__(self, server: WSGIServer, address: ListenAddress) -> None:
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
    try:
        server = make_server(address.host, address.port, metrics_app(body), server_class, _QuietHandler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ListenError(f"cannot listen on {address}: the port is already in use") from None
        raise ListenError(f"cannot listen on {address}: {error.strerror or error}") from None
    return MetricsServer(server, address)
