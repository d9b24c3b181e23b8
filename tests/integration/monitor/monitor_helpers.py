"""A real HTTP alert receiver on 127.0.0.1, and the `nova` command in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
# Runs `nova` with the monitor group registered whether or not the registry has it yet.
LAUNCH = (
    "import sys; from nova import cli; "
    "cli.COMMANDS.setdefault('monitor', ('nova.cli.monitor:monitor', 'monitoring')); "
    "cli.main(sys.argv[1:])"
)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


@dataclass
class AlertReceiver:
    """Answers each POST with the next status in `statuses` (then 200), after `delay` s."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0


@contextmanager
def alert_receiver() -> Iterator[AlertReceiver]:
    state = AlertReceiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            with lock:
                state.received.append(Received(self.path, dict(self.headers), body, time.time()))
                status = state.statuses.pop(0) if state.statuses else 200
            time.sleep(state.delay)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def nova_command(*args: str) -> list[str]:
    return [sys.executable, "-c", LAUNCH, *args]


def run_nova(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        nova_command(*args),
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
