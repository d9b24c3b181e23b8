"""Serve the KPIs as Prometheus metrics over HTTP.

`start_http_exporter` runs the exporter on a background thread, for any
long-running process (the queue server calls it); `register_kpis` adds the
KPIs to a registry a process already exports. Both read the same store.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server

from nova.core.errors import NovaError
from nova.core.exposure import check_bind
from nova.kpi import default_store
from nova.kpi.collector import KpiCollector
from nova.kpi.store import KpiStore

DEFAULT_BIND = "127.0.0.1"


@dataclass(frozen=True)
class ExporterTls:
    """HTTPS for the exporter; with `client_ca`, scrapers must present a certificate it signed."""

    cert: Path
    key: Path
    client_ca: Path | None = None


@dataclass
class Exporter:
    """A running exporter; `close()` stops it and frees the port."""

    host: str
    port: int
    _server: Any
    _thread: Any
    https: bool = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.https else 'http'}://{host}:{self.port}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def register_kpis(registry: CollectorRegistry, store: KpiStore | None = None) -> KpiCollector:
    """Add the KPIs to `registry`; returns the collector (to unregister it later)."""
    collector = KpiCollector(store or default_store())
    registry.register(collector)
    return collector


def build_registry(store: KpiStore | None = None) -> CollectorRegistry:
    """A registry holding only the KPIs (no process or platform metrics)."""
    registry = CollectorRegistry(auto_describe=True)
    register_kpis(registry, store)
    return registry


def start_http_exporter(
    port: int,
    registry: CollectorRegistry | None = None,
    bind: str = DEFAULT_BIND,
    store: KpiStore | None = None,
    tls: ExporterTls | None = None,
    insecure: bool = False,
) -> Exporter:
    """Serve `registry` (default: the KPIs alone) on http://bind:port/metrics.

    Port 0 picks a free port; read it back from `Exporter.port`. Binds to
    loopback unless told otherwise: the metrics name hosts and phases.
    """
    # The bind rule holds for every caller, not only `nova monitor serve`.
    check_bind(
        "the metrics server",
        bind,
        option="bind",
        tls=tls is not None,
        authenticated=tls is not None and tls.client_ca is not None,
        insecure=insecure,
        needs="TLS files and a client CA",
    )
    if registry is None:
        registry = build_registry(store)
    options: dict[str, Any] = {}
    if tls is not None:
        options = {
            "certfile": str(tls.cert),
            "keyfile": str(tls.key),
            "client_cafile": str(tls.client_ca) if tls.client_ca else None,
            "client_auth_required": tls.client_ca is not None,
            "tls_min_version": ssl.TLSVersion.TLSv1_2,
        }
    try:
        server, thread = start_http_server(port, addr=bind, registry=registry, **options)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise NovaError(f"cannot serve metrics on {bind}:{port}: {reason}") from exc
    return Exporter(bind, int(server.server_address[1]), server, thread, https=tls is not None)
