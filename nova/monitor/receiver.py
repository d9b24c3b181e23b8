"""Alertmanager's webhook receiver: each alert it posts becomes an audit log entry.

Standard library and `nova.audit` only, so the alertmanager role installs it
on a monitoring host with the few Nova files it imports (RECEIVER_MODULES)
and Debian's python3-cryptography, without reaching a package index. It is
run there as `python3 -m nova.monitor.receiver`, and here as
`nova monitor receive`.

Callers present `Authorization: Bearer <token>`; the token is read from a
file (mode 0600 or group-readable by Alertmanager's account only) and is
compared in constant time. Loopback by default; elsewhere it needs TLS or
--insecure, as every Nova service does.
"""

from __future__ import annotations

import argparse
import hmac
import json
import signal
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from nova.audit.log import AuditLog
from nova.core.errors import InputError
from nova.core.exposure import check_bind

DEFAULT_PORT = 9095
MAX_BODY = 1 << 20
ACTOR = "alertmanager"
PATH = "/alerts"

# What the role copies to a monitoring host: the receiver and everything it imports.
RECEIVER_MODULES = (
    "nova/__init__.py",
    "nova/core/__init__.py",
    "nova/core/canonical.py",
    "nova/core/errors.py",
    "nova/core/exposure.py",
    "nova/core/paths.py",
    "nova/core/secretfile.py",
    "nova/audit/__init__.py",
    "nova/audit/chain.py",
    "nova/audit/log.py",
    "nova/audit/mask.py",
    "nova/audit/signing.py",
    "nova/monitor/__init__.py",
    "nova/monitor/receiver.py",
)


@dataclass(frozen=True)
class Recorded:
    status: str
    name: str
    instance: str


def read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise InputError(path, None, f"cannot read the receiver token: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(path, None, "the receiver token is not UTF-8 text") from None
    if len(token) < 16:
        raise InputError(path, None, "the receiver token is shorter than 16 characters")
    if path.stat().st_mode & 0o007:
        raise InputError(path, None, "the receiver token is readable by others; chmod o-rwx it")
    return token


def record_alerts(log: AuditLog, body: dict[str, Any]) -> list[Recorded]:
    """One audit entry per alert: action alert.firing or alert.resolved."""
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise ValueError("no alerts list in the notification")
    done: list[Recorded] = []
    for alert in alerts:
        if not isinstance(alert, dict):
            raise ValueError("an alert is not an object")
        raw_labels = alert.get("labels")
        labels: dict[str, Any] = raw_labels if isinstance(raw_labels, dict) else {}
        status = str(alert.get("status") or body.get("status") or "unknown")
        name = str(labels.get("alertname", "unnamed"))
        instance = str(labels.get("instance", ""))
        log.append(
            ACTOR,
            f"alert.{status}",
            f"{name} {instance}".strip(),
            payload={
                "labels": labels,
                "annotations": alert.get("annotations") or {},
                "starts_at": alert.get("startsAt"),
                "ends_at": alert.get("endsAt"),
                "fingerprint": alert.get("fingerprint"),
                "receiver": body.get("receiver"),
                "external_url": body.get("externalURL"),
            },
        )
        done.append(Recorded(status, name, instance))
    return done


def make_handler(
    log: AuditLog, token: str, on_record: Callable[[list[Recorded]], None] | None = None
) -> type[BaseHTTPRequestHandler]:
    expected = f"Bearer {token}".encode()

    class Handler(BaseHTTPRequestHandler):
        server_version = "nova-alert-receiver"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            return  # the audit log is the record; no access log with client details

        def reply(self, code: int, message: str) -> None:
            data = json.dumps({"status": code, "message": message}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/-/healthy":
                self.reply(200, "ok")
            else:
                self.reply(404, "not found")

        def do_POST(self) -> None:
            if self.path != PATH:
                self.reply(404, "not found")
                return
            given = self.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                self.reply(401, "missing or wrong bearer token")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self.reply(411, "Content-Length required")
                return
            if length < 0 or length > MAX_BODY:
                self.reply(413, f"body over {MAX_BODY} bytes")
                return
            try:
                body = json.loads(self.rfile.read(length))
                if not isinstance(body, dict):
                    raise ValueError("the notification is not a JSON object")
                done = record_alerts(log, body)
            except ValueError as error:
                self.reply(400, str(error))
                return
            if on_record is not None:
                on_record(done)
            self.reply(200, f"recorded {len(done)} alert(s)")

    return Handler


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_receiver(
    log: AuditLog,
    token: str,
    bind: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    tls: tuple[Path, Path] | None = None,
    insecure: bool = False,
    on_record: Callable[[list[Recorded]], None] | None = None,
) -> Receiver:
    """Serve in a background thread; InputError when the bind rule forbids the address."""
    exposure = check_bind(
        "the alert receiver",
        bind,
        option="--bind",
        tls=tls is not None,
        authenticated=True,
        insecure=insecure,
        needs="--tls-cert and --tls-key",
    )
    server = ThreadingHTTPServer((bind, port), make_handler(log, token, on_record))
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="alert-receiver", daemon=True)
    thread.start()
    action = "alerts.receive.insecure" if exposure.insecure else "alerts.receive"
    log.append(ACTOR, action, f"{bind}:{server.server_address[1]}", payload=exposure.to_dict())
    return Receiver(server, thread)


def serve_until_stopped(receiver: Receiver) -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        receiver.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nova-alert-receiver", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--token-file", type=Path, required=True)
    parser.add_argument("--audit-db", type=Path, required=True)
    parser.add_argument("--tls-cert", type=Path)
    parser.add_argument("--tls-key", type=Path)
    parser.add_argument("--insecure", action="store_true")
    args = parser.parse_args(argv)
    try:
        token = read_token(args.token_file)
        tls = (args.tls_cert, args.tls_key) if args.tls_cert and args.tls_key else None
        receiver = start_receiver(
            AuditLog(args.audit_db), token, args.bind, args.port, tls, args.insecure
        )
    except (InputError, OSError) as error:
        print(f"nova-alert-receiver: {error}", file=sys.stderr)
        return 2
    print(f"nova-alert-receiver: listening on {args.bind}:{receiver.port}{PATH}", flush=True)
    serve_until_stopped(receiver)
    return 0


if __name__ == "__main__":
    sys.exit(main())
