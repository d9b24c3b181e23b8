"""What every `serve` command shares: the --insecure flag and the audited start-up record."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from nova.core.errors import InputError

if TYPE_CHECKING:
    from nova.core.exposure import Exposure

insecure_option = click.option(
    "--insecure",
    is_flag=True,
    help="Serve off loopback without TLS or authentication; recorded in the audit log.",
)


def record_start(service: str, exposure: Exposure, port: int) -> None:
    """One audit entry per start of a network service, saying how it is reachable."""
    from nova.audit.log import AuditLog, current_actor

    action = f"{service}.serve.insecure" if exposure.insecure else f"{service}.serve"
    AuditLog().append(
        current_actor(), action, f"{exposure.host}:{port}", payload=exposure.to_dict()
    )
    if exposure.insecure:
        click.echo(
            f"nova: warning: {service} serves {exposure.host}:{port} without"
            f" {'TLS' if not exposure.tls else 'authentication'}"
            f"{' or authentication' if not exposure.tls and not exposure.authenticated else ''}"
            " (--insecure, recorded in the audit log)",
            err=True,
        )


def check_tls_options(cert: Path | None, key: Path | None, client_ca: Path | None) -> None:
    """--tls-cert and --tls-key come together, a client CA needs them, and the key is private."""
    from nova.core.secretfile import require_private

    if bool(cert) != bool(key):
        raise InputError("--tls-cert/--tls-key", None, "give both or neither")
    if client_ca and not cert:
        raise InputError("--tls-client-ca", None, "needs --tls-cert and --tls-key")
    if key is not None:
        require_private(key, "TLS key", "--tls-key")
