"""`nova dashboard`: the web pages of runs, phases and the audit log, read-only."""

from __future__ import annotations

from pathlib import Path

import click

from nova.cli.options import EXISTING_FILE
from nova.cli.serving import check_tls_options, insecure_option, record_start


@click.command()
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port.")  # fmt: skip
@click.option("--tls-cert", type=EXISTING_FILE, default=None, help="Server certificate (PEM).")
@click.option("--tls-key", type=EXISTING_FILE, default=None, help="Server private key (PEM).")
@insecure_option
def dashboard(
    bind: str, port: int, tls_cert: Path | None, tls_key: Path | None, insecure: bool
) -> None:
    """Serve the dashboard until interrupted: overview, runs, each run, the audit log.

    It reads the same records as the CLI and changes none. It binds loopback;
    elsewhere it refuses to start unless --insecure is given (recorded in the
    audit log), until it has a login of its own.
    """
    from nova.core.exposure import Exposure
    from nova.dashboard.serve import serve

    check_tls_options(tls_cert, tls_key, None)

    def ready(exposure: Exposure, bound: int) -> None:
        record_start("dashboard", exposure, bound)
        scheme = "https" if tls_cert else "http"
        host = f"[{bind}]" if ":" in bind else bind
        click.echo(f"dashboard on {scheme}://{host}:{bound}/ (Ctrl-C to stop)", err=True)

    serve(bind, port, tls_cert=tls_cert, tls_key=tls_key, insecure=insecure, on_ready=ready)
