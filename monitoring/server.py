"""Serving /metrics over HTTP from an explicit registry, on a loopback address by default."""

from __future__ import annotations

import errno
import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server


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


class MetricsServer:
    """A running /metrics endpoint; ``close()`` stops it and frees the port."""

    def __init__(self, server: WSGIServer, thread: threading.Thread, address: ListenAddress) -> None:
        self._server = server
        self._thread = thread
        self.address = address

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_metrics(registry: CollectorRegistry, address: ListenAddress) -> MetricsServer:
    """Start serving ``registry`` at ``address`` on a background thread."""
    try:
        server, thread = start_http_server(address.port, addr=address.host, registry=registry)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ListenError(f"cannot listen on {address}: the port is already in use") from None
        raise ListenError(f"cannot listen on {address}: {error.strerror or error}") from None
    return MetricsServer(server, thread, address)
