"""`nova dashboard`: the web pages of runs, phases and the audit log; `token create` for logins."""

from __future__ import annotations

from pathlib import Path

import click

from nova.cli.options import EXISTING_FILE
from nova.cli.serving import check_tls_options, insecure_option, record_start


@click.group(invoke_without_command=True)
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port.")  # fmt: skip
@click.option("--tls-cert", type=EXISTING_FILE, default=None, help="Server certificate (PEM).")
@click.option("--tls-key", type=EXISTING_FILE, default=None, help="Server private key (PEM).")
@insecure_option
@click.pass_context
def dashboard(
    ctx: click.Context,
    bind: str,
    port: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    insecure: bool,
) -> None:
    """Serve the dashboard until interrupted: overview, runs, each run, the audit log.

    Its pages read the same records as the CLI. A user logged in with a token
    may start and cancel runs only when `dashboard_control: true` is in
    NOVA_HOME/config.yml, through the same policy gate as `nova provision`.
    It binds loopback; elsewhere it refuses to start unless --insecure is
    given (recorded in the audit log).
    """
    if ctx.invoked_subcommand is not None:
        return
    from nova.core.exposure import Exposure
    from nova.dashboard.serve import serve

    check_tls_options(tls_cert, tls_key, None)

    def ready(exposure: Exposure, bound: int) -> None:
        record_start("dashboard", exposure, bound)
        scheme = "https" if tls_cert else "http"
        host = f"[{bind}]" if ":" in bind else bind
        click.echo(f"dashboard on {scheme}://{host}:{bound}/ (Ctrl-C to stop)", err=True)

    serve(bind, port, tls_cert=tls_cert, tls_key=tls_key, insecure=insecure, on_ready=ready)


@dashboard.group()
def token() -> None:
    """Login tokens for the dashboard (only their hashes are kept)."""


@token.command("create")
@click.argument("name")
def token_create(name: str) -> None:
    """Make a login token for NAME and print it once; an earlier one of NAME stops working."""
    from nova.audit.log import AuditLog, current_actor
    from nova.dashboard.auth import create_token

    secret = create_token(name)
    AuditLog().append(current_actor(), "dashboard.token.create", name)
    click.echo(secret)
