"""`nova monitor serve`: the Prometheus exporter in the foreground until a signal."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

from nova.kpi.exporter import Exporter, ExporterTls, start_http_exporter


def serve_until_stopped(
    port: int,
    bind: str,
    on_ready: Callable[[Exporter], None],
    tls: ExporterTls | None = None,
    insecure: bool = False,
) -> None:
    """Serve the KPIs on bind:port; SIGINT or SIGTERM stops and frees the port."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    exporter = start_http_exporter(port, bind=bind, tls=tls, insecure=insecure)
    try:
        on_ready(exporter)
        stop.wait()
    finally:
        exporter.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
