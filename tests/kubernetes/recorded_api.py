"""A tiny HTTP server on loopback that answers like a Kubernetes API server, from JSON fixtures.

No API server can run here, so the tests serve recorded-shape responses (tests/kubernetes/fixtures/)
to the real ``kubernetes`` client: its URL building, request bodies and deserialisation all run.
Each route (method, path) answers with its responses in turn; the last one repeats. A reply may carry
``then``: routes it replaces once served (an accepted eviction changes what the pod lists say). Every
request is kept in ``requests`` so tests can assert what the client sent (and that nothing else was).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kubernetes import client

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    then: Mapping[tuple[str, str], Sequence[Reply]] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, status: int = 200, **headers: str) -> Reply:
        return cls(status, fixture(name), headers)

    def switching(self, routes: Mapping[tuple[str, str], Sequence[Reply]]) -> Reply:
        """This reply, replacing ``routes`` once it is served."""
        return Reply(self.status, self.body, self.headers, routes)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    body: Any


class RecordedApi:
    """Routes and what was asked of them."""

    def __init__(self, routes: Mapping[tuple[str, str], Sequence[Reply]]) -> None:
        self.routes = {key: list(replies) for key, replies in routes.items()}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()

    def answer(self, method: str, target: str, body: Any) -> Reply:
        parts = urlsplit(target)
        with self.lock:
            self.requests.append(Seen(method, parts.path, parts.query, body))
            replies = self.routes.get((method, parts.path))
            if not replies:
                return Reply(
                    404,
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "metadata": {},
                        "status": "Failure",
                        "message": f"the server could not find the requested resource ({parts.path})",
                        "reason": "NotFound",
                        "code": 404,
                    },
                )
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
            for key, new in reply.then.items():
                self.routes[key] = list(new)
            return reply

    def calls(self, method: str, path: str) -> int:
        return sum(1 for seen in self.requests if (seen.method, seen.path) == (method, path))


def _handler(api: RecordedApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            reply = api.answer(self.command, self.path, body)
            data = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _serve

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

    return Handler


@contextmanager
def serve(api: RecordedApi) -> Iterator[client.ApiClient]:
    """Serve ``api`` on 127.0.0.1 and yield a kubernetes ApiClient pointed at it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    config = client.Configuration()
    config.host = f"http://127.0.0.1:{server.server_address[1]}"
    api_client = client.ApiClient(config)
    try:
        yield api_client
    finally:
        api_client.close()
        server.shutdown()
        server.server_close()
        thread.join()


def cluster_routes() -> dict[tuple[str, str], list[Reply]]:
    """The list endpoints KubernetesSource reads, answered from the recorded cluster."""
    return {
        ("GET", "/api/v1/nodes"): [Reply.of("nodes.json")],
        ("GET", "/api/v1/pods"): [Reply.of("pods.json")],
        ("GET", "/api/v1/namespaces"): [Reply.of("namespaces.json")],
        ("GET", "/api/v1/resourcequotas"): [Reply.of("resourcequotas.json")],
        ("GET", "/apis/apps/v1/replicasets"): [Reply.of("replicasets.json")],
        ("GET", "/api/v1/persistentvolumeclaims"): [Reply.of("persistentvolumeclaims.json")],
        ("GET", "/api/v1/persistentvolumes"): [Reply.of("persistentvolumes.json")],
    }
