"""`nova queue`: serve the task queue and operate it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from nova.cli.options import EXISTING_FILE
from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.cli.queue_tokens import token
from nova.cli.serving import check_tls_options, insecure_option, record_start
from nova.core.errors import InputError, NovaError

if TYPE_CHECKING:
    from nova.queue.client import QueueClient
    from nova.queue.model import Task

ADDRESS_ENV = "NOVA_QUEUE_ADDR"
DEFAULT_PORT = 50071
F = TypeVar("F", bound=Callable[..., Any])


def connection_options(func: F) -> F:
    """Where the queue is and how to prove who we are; shared with `nova worker`."""
    options = [
        click.option(
            "--server",
            envvar=ADDRESS_ENV,
            default=f"127.0.0.1:{DEFAULT_PORT}",
            show_default=True,
            help=f"Queue address host:port (env {ADDRESS_ENV}).",
        ),
        click.option(
            "--token-file",
            type=EXISTING_FILE,
            default=None,
            help="File holding the bearer token (or set NOVA_QUEUE_TOKEN).",
        ),
        click.option(
            "--tls-ca", type=EXISTING_FILE, default=None, help="CA bundle: connect over TLS."
        ),
        click.option(
            "--tls-cert", type=EXISTING_FILE, default=None, help="Client certificate (mTLS)."
        ),
        click.option("--tls-key", type=EXISTING_FILE, default=None, help="Client key (mTLS)."),
        click.option("--server-name", default=None, help="Name expected in the server's cert."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def open_client(
    server: str,
    token_file: Path | None,
    tls_ca: Path | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    server_name: str | None,
) -> QueueClient:
    from nova.core.secretfile import require_private
    from nova.queue.client import QueueClient

    if tls_key is not None:
        require_private(tls_key, "TLS key", "--tls-key")
    token = None
    if token_file is not None:
        require_private(token_file, "token file", "--token-file")
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except UnicodeDecodeError:
            raise InputError(token_file, "--token-file", "not UTF-8 text") from None
        except OSError as exc:
            raise InputError(token_file, "--token-file", exc.strerror or str(exc)) from None
    return QueueClient(
        server,
        token=token,
        tls_ca=tls_ca,
        tls_cert=tls_cert,
        tls_key=tls_key,
        server_name=server_name,
    )


@contextmanager
def rpc_errors(server: str) -> Iterator[None]:
    """gRPC failures as one line; bad requests exit 2 like other input errors."""
    import grpc

    try:
        yield
    except grpc.RpcError as exc:
        code = exc.code() if hasattr(exc, "code") else None
        details = exc.details() if hasattr(exc, "details") else str(exc)
        if code is grpc.StatusCode.INVALID_ARGUMENT:
            field, _, reason = str(details).partition(": ")
            raise InputError("request", field, reason or str(details)) from None
        if code is grpc.StatusCode.UNAVAILABLE:
            raise NovaError(f"queue at {server} is not reachable") from None
        name = code.name if code is not None else "ERROR"
        raise NovaError(f"queue at {server}: {name}: {details}") from None


def client_from(kwargs: dict[str, Any]) -> QueueClient:
    return open_client(
        kwargs.pop("server"),
        kwargs.pop("token_file"),
        kwargs.pop("tls_ca"),
        kwargs.pop("tls_cert"),
        kwargs.pop("tls_key"),
        kwargs.pop("server_name"),
    )


@click.group()
def queue() -> None:
    """The gRPC task queue that hands agent work to workers."""


queue.add_command(token)


@queue.command()
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite file (default NOVA_HOME/queue.db).")  # fmt: skip
@click.option("--redis", "redis_url", default=None, help="Redis URL instead of SQLite.")
@click.option("--durable", is_flag=True, help="SQLite synchronous=FULL: fsync every commit.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port to bind (0 picks a free one).")  # fmt: skip
@click.option("--port-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the bound port here once serving.")  # fmt: skip
@click.option("--tls-cert", type=EXISTING_FILE, default=None, help="Server certificate (PEM).")
@click.option("--tls-key", type=EXISTING_FILE, default=None, help="Server private key (PEM).")
@click.option(
    "--tls-client-ca", type=EXISTING_FILE, default=None, help="Require client certs from this CA."
)
@click.option(
    "--tokens", type=EXISTING_FILE, default=None, help="YAML identity: token file (mode 0600)."
)
@click.option("--roles", type=EXISTING_FILE, default=None,
              help="YAML identity: role file, beside the blueprints' roles.")  # fmt: skip
@click.option("--lease", default=30.0, show_default=True, type=click.FloatRange(0.1),
              help="Lease per dispatch, seconds.")  # fmt: skip
@click.option("--heartbeat-interval", default=10.0, show_default=True, type=click.FloatRange(0.05))
@click.option("--heartbeat-timeout", default=30.0, show_default=True, type=click.FloatRange(0.1),
              help="A worker silent this long is dead; its tasks return.")  # fmt: skip
@click.option("--max-depth", default=100_000, show_default=True, type=click.IntRange(1),
              help="Refuse enqueues above this many unsettled tasks.")  # fmt: skip
@click.option("--max-attempts", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--reap-interval", default=1.0, show_default=True, type=click.FloatRange(0.01),
              help="How often expired leases are returned.")  # fmt: skip
@click.option("--kpis/--no-kpis", default=True, show_default=True,
              help="Record task KPIs (NOVA_HOME/kpi.db, `nova monitor kpis`).")  # fmt: skip
@click.option("--metrics-port", default=None, type=click.IntRange(0, 65535),
              help="Also serve the KPIs as Prometheus metrics on 127.0.0.1:PORT.")  # fmt: skip
@insecure_option
def serve(
    db: Path | None,
    redis_url: str | None,
    durable: bool,
    host: str,
    port: int,
    port_file: Path | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    tls_client_ca: Path | None,
    tokens: Path | None,
    roles: Path | None,
    lease: float,
    heartbeat_interval: float,
    heartbeat_timeout: float,
    max_depth: int,
    max_attempts: int,
    reap_interval: float,
    kpis: bool,
    metrics_port: int | None,
    insecure: bool,
) -> None:
    """Serve the queue until interrupted.

    On loopback (the default) it serves as asked. On any other address it
    needs TLS (--tls-cert, --tls-key) and authentication (--tokens, or client
    certificates with --tls-client-ca), or --insecure, which the audit log
    records; otherwise it refuses to start.
    """
    import logging
    import signal

    from nova.core.exposure import check_bind
    from nova.core.paths import ensure_home
    from nova.queue.auth import TokenAuth
    from nova.queue.config import ServerConfig
    from nova.queue.server import QueueServer, TlsFiles
    from nova.queue.storage import open_storage

    if db and redis_url:
        raise InputError("--db/--redis", None, "give one storage, not both")
    check_tls_options(tls_cert, tls_key, tls_client_ca)
    if heartbeat_timeout <= heartbeat_interval:
        raise InputError("--heartbeat-timeout", None, "must exceed --heartbeat-interval")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    auth = TokenAuth.load(tokens) if tokens else None
    if roles and not (tokens or tls_client_ca):
        raise InputError(
            "--roles", None, "needs --tokens or --tls-client-ca: roles belong to known callers"
        )
    from nova.agents.queue_roles import default_role_book
    from nova.queue.policy import load_roles, policy_authorizer

    # Without tokens or client certificates a caller is anonymous: that is this
    # host's users on loopback, or anyone with an audited --insecure.
    book = default_role_book(
        load_roles(roles) if roles else {}, local=auth is None and tls_client_ca is None
    )
    authorize = policy_authorizer(book)
    authorize_claim = policy_authorizer(book, action="claim")
    tls = TlsFiles(tls_cert, tls_key, tls_client_ca) if tls_cert and tls_key else None
    exposure = check_bind(
        "the queue",
        host,
        option="--host",
        tls=tls is not None,
        authenticated=auth is not None or tls_client_ca is not None,
        insecure=insecure,
        needs="--tls-cert and --tls-key, and --tokens or --tls-client-ca",
    )
    storage = open_storage(
        db=None if redis_url else (db or ensure_home() / "queue.db"),
        redis_url=redis_url,
        durable=durable,
    )
    config = ServerConfig(
        host=host,
        port=port,
        lease_seconds=lease,
        heartbeat_interval=heartbeat_interval,
        heartbeat_timeout=heartbeat_timeout,
        max_depth=max_depth,
        default_max_attempts=max_attempts,
        reap_interval=reap_interval,
        kpis=kpis,
    )
    try:
        server = QueueServer(
            storage,
            config,
            auth=auth,
            tls=tls,
            authorize=authorize,
            authorize_claim=authorize_claim,
            insecure=insecure,
        )
    except OSError as exc:
        raise NovaError(str(exc)) from None
    exporter = None
    if metrics_port is not None:
        from nova.kpi.exporter import start_http_exporter

        exporter = start_http_exporter(metrics_port)
    server.start()
    record_start("queue", exposure, server.port)
    where = "redis" if redis_url else f"sqlite{' durable' if durable else ''}"
    click.echo(f"queue serving on {host}:{server.port} ({where})", err=True)
    if exporter is not None:
        click.echo(f"serving KPIs on {exporter.url}", err=True)
    if port_file:
        tmp = port_file.with_suffix(".tmp")
        tmp.write_text(str(server.port))
        os.replace(tmp, port_file)
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stopping:
        time.sleep(0.2)
    server.stop()
    if exporter is not None:
        exporter.close()


@queue.command()
@connection_options
@click.argument("task_type")
@click.option("--payload", default="", help="Payload text.")
@click.option("--payload-file", type=EXISTING_FILE, default=None, help="Payload bytes from a file.")
@click.option("--meta", multiple=True, metavar="KEY=VALUE", help="Metadata entry (repeatable).")
@click.option("--priority", default=0, show_default=True, type=click.IntRange(0, 9))
@click.option("--delay", default=0.0, type=click.FloatRange(0), help="Run no sooner, seconds.")
@click.option("--skill", "skills", multiple=True, help="Skill a worker needs (repeatable).")
@click.option("--idempotency-key", default="", help="Repeat enqueues return the first task.")
@click.option("--max-attempts", default=0, type=click.IntRange(0, 100), help="0: server default.")
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="Enqueue this many copies in one batch.")  # fmt: skip
@OUTPUT_OPTION
def enqueue(
    task_type: str,
    payload: str,
    payload_file: Path | None,
    meta: tuple[str, ...],
    priority: int,
    delay: float,
    skills: tuple[str, ...],
    idempotency_key: str,
    max_attempts: int,
    count: int,
    output: str,
    **conn: Any,
) -> None:
    """Enqueue a task (or --count copies of it in one batch)."""
    from nova.queue.client import Spec

    metadata: dict[str, str] = {}
    for entry in meta:
        key, sep, value = entry.partition("=")
        if not sep:
            raise InputError("--meta", entry, "must be KEY=VALUE")
        metadata[key] = value
    data = payload_file.read_bytes() if payload_file else payload.encode()
    spec = Spec(
        type=task_type,
        payload=data,
        metadata=metadata,
        priority=priority,
        not_before=time.time() + delay if delay else 0.0,
        skills=skills,
        idempotency_key=idempotency_key,
        max_attempts=max_attempts,
    )
    server = conn["server"]
    with rpc_errors(server), client_from(conn) as client:
        results = client.enqueue_many([spec] * count)
    if output == "json":
        print_json([{"task_id": r.task_id, "duplicate": r.duplicate} for r in results])
        return
    for r in results:
        click.echo(f"{r.task_id}{'  (duplicate)' if r.duplicate else ''}")


def _print_tasks(tasks: list[Task], output: str) -> None:
    if output == "json":
        print_json([_task_dict(t) for t in tasks])
        return
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table("type", "state", "prio", "attempts", "worker", "updated", "error")
    table.add_column("id")
    for t in tasks:
        table.add_row(
            t.type, t.state.value, str(t.priority), f"{t.attempts}/{t.max_attempts}", t.worker_id,
            time.strftime("%H:%M:%S", time.localtime(t.updated_at)), t.error[:60], t.id,
        )  # fmt: skip
    print_table(console(), table, keep=("id", "type", "worker", "updated"))


def _task_dict(t: Task) -> dict[str, Any]:
    return {
        "id": t.id,
        "type": t.type,
        "state": t.state.value,
        "priority": t.priority,
        "skills": list(t.skills),
        "metadata": t.metadata,
        "attempts": t.attempts,
        "max_attempts": t.max_attempts,
        "worker_id": t.worker_id,
        "not_before": t.not_before,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "error": t.error,
        "payload_bytes": len(t.payload),
        "result_bytes": len(t.result),
        "idempotency_key": t.idempotency_key,
    }


@queue.command("list")
@connection_options
@click.option("--state", type=click.Choice(["queued", "leased", "succeeded", "dead", "cancelled"]))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@OUTPUT_OPTION
def list_command(state: str | None, limit: int, output: str, **conn: Any) -> None:
    """List tasks, newest first, or those in one state."""
    server = conn["server"]
    with rpc_errors(server), client_from(conn) as client:
        tasks = client.list_tasks(state or "", limit)
    _print_tasks(tasks, output)


@queue.command()
@connection_options
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@OUTPUT_OPTION
def dead(limit: int, output: str, **conn: Any) -> None:
    """List dead tasks (spent their attempts or failed for good)."""
    server = conn["server"]
    with rpc_errors(server), client_from(conn) as client:
        tasks = client.list_tasks("dead", limit)
    _print_tasks(tasks, output)


@queue.command()
@connection_options
@click.argument("task_id")
@OUTPUT_OPTION
def show(task_id: str, output: str, **conn: Any) -> None:
    """Show one task."""
    server = conn["server"]
    with rpc_errors(server), client_from(conn) as client:
        task = client.get(task_id)
    if output == "json":
        print_json(_task_dict(task))
        return
    for key, value in _task_dict(task).items():
        click.echo(f"{key:16} {value}")


@queue.command()
@connection_options
@OUTPUT_OPTION
def stats(output: str, **conn: Any) -> None:
    """Tasks per state, depth against the limit, workers and streams."""
    server = conn["server"]
    with rpc_errors(server), client_from(conn) as client:
        s = client.stats()
    data = {
        "states": s.states,
        "depth": s.depth,
        "max_depth": s.max_depth,
        "workers": s.workers,
        "streams": s.streams,
    }
    if output == "json":
        print_json(data)
        return
    from rich.table import Table

    table = Table("state", "tasks")
    for name in ("queued", "delayed", "leased", "succeeded", "dead", "cancelled"):
        table.add_row(name, str(s.states.get(name, 0)))
    console().print(table)
    click.echo(f"depth {s.depth}/{s.max_depth}  workers {s.workers}  streams {s.streams}")


@queue.command()
@connection_options
@click.argument("task_ids", nargs=-1)
@click.option("--all", "all_dead", is_flag=True, help="Replay every dead task.")
@OUTPUT_OPTION
def replay(task_ids: tuple[str, ...], all_dead: bool, output: str, **conn: Any) -> None:
    """Put dead tasks back in the queue with a fresh attempt budget."""
    if bool(task_ids) == all_dead:
        raise InputError("replay", None, "give task ids or --all")
    server = conn["server"]
    with rpc_errors(server), client_from(conn) as client:
        replayed = client.replay(task_ids, all_dead=all_dead)
    if output == "json":
        print_json({"replayed": replayed})
        return
    click.echo(f"replayed {len(replayed)} task(s)")
    for task_id in replayed:
        click.echo(task_id)


@queue.command()
@connection_options
@click.argument("task_id")
@OUTPUT_OPTION
def cancel(task_id: str, output: str, **conn: Any) -> int:
    """Cancel a queued or running task; its worker is told at once."""
    server = conn["server"]
    with rpc_errors(server), client_from(conn) as client:
        cancelled, previous = client.cancel(task_id)
    if output == "json":
        print_json({"task_id": task_id, "cancelled": cancelled, "previous_state": previous})
    elif cancelled:
        click.echo(f"cancelled {task_id} (was {previous})")
    else:
        click.echo(f"{task_id} already {previous}; nothing to cancel")
    return 0 if cancelled else 1
