"""A loopback stand-in for an OPA server's Data API, for the OPA backend tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from nova.policy.backend import BackendError
from nova.policy.regopy_backend import RegopyBackend
from nova.policy.source import BUILTIN_DIR


@dataclass
class DataApiServer:
    """Loopback HTTP server answering OPA's documented Data API.

    No OPA binary can be installed on this machine, so this stands in for it:
    `POST /v1/data/<path>` with `{"input": ...}` returns `{"result": ...}`
    (or `{}` when undefined) plus `decision_id` and `provenance`, evaluated
    by regopy over the same policy files. `failures` makes the next N requests
    answer 500; `delay_s` holds every answer; `token` demands a bearer token.
    """

    url: str = ""
    token: str | None = None
    failures: int = 0
    delay_s: float = 0.0
    revision: str = "rev-1"
    requests: list[dict[str, Any]] = field(default_factory=list)
    raw_answer: bytes | None = None


def _handler(state: DataApiServer, backend: RegopyBackend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            import time

            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append(
                {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
            )
            if state.delay_s:
                time.sleep(state.delay_s)
            if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._send(401, {"code": "unauthorized", "message": "bad token"})
            if state.failures > 0:
                state.failures -= 1
                return self._send(500, {"code": "internal_error", "message": "flaky"})
            if state.raw_answer is not None:
                return self._send_raw(200, state.raw_answer)
            path = self.path.split("?", 1)[0]
            if not path.startswith("/v1/data/"):
                return self._send(404, {"code": "not_found", "message": path})
            package = path[len("/v1/data/") :]
            try:
                document, _ = backend.query(package, body.get("input", {}))
            except BackendError as exc:
                document = None
                if "unknown policy package" not in str(exc):
                    return self._send(500, {"code": "internal_error", "message": str(exc)})
            answer: dict[str, Any] = {
                "decision_id": "opa-1",
                "provenance": {"bundles": {"nova": {"revision": state.revision}}},
            }
            if document is not None:
                answer["result"] = document
            self._send(200, answer)

        def _send(self, code: int, payload: dict[str, Any]) -> None:
            self._send_raw(code, json.dumps(payload).encode())

        def _send_raw(self, code: int, raw: bytes) -> None:
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up waiting: the timeout test wants exactly that

    return Handler


@contextmanager
def running_data_api() -> Iterator[DataApiServer]:
    backend = RegopyBackend(BUILTIN_DIR)
    backend.revision()
    state = DataApiServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, backend))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
