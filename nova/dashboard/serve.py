"""`nova dashboard`: the application on uvicorn, under the same bind rule as every service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nova.core.exposure import Exposure, check_bind

# Off loopback the dashboard needs TLS; its token login comes with the control pages.
NEEDS = "--tls-cert and --tls-key, and authentication (not available yet: keep it on loopback)"


def serve(
    host: str,
    port: int,
    *,
    tls_cert: Path | None,
    tls_key: Path | None,
    insecure: bool,
    on_ready: Callable[[Exposure, int], None],
) -> None:
    """Serve until interrupted; `on_ready` hears how it is reachable and the bound port."""
    import socket

    import uvicorn

    from nova.dashboard.app import create_app

    exposure = check_bind(
        "the dashboard",
        host,
        option="--bind",
        tls=tls_cert is not None,
        authenticated=False,
        insecure=insecure,
        needs=NEEDS,
    )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listening before uvicorn starts: a client told the port may connect at once.
    sock.listen(128)
    config = uvicorn.Config(
        create_app(tls=tls_cert is not None),
        log_level="warning",
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
    )
    server = uvicorn.Server(config)
    on_ready(exposure, int(sock.getsockname()[1]))
    server.run(sockets=[sock])
