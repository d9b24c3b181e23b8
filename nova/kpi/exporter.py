"""Serve the KPIs as Prometheus metrics over HTTP.

`start_http_exporter` runs the exporter on a background thread, for any
long-running process (the queue server calls it); `register_kpis` adds the
KPIs to a registry a process already exports. Both read the same store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server

from nova.core.errors import NovaError
from nova.kpi import default_store
from nova.kpi.collector import KpiCollector
from nova.kpi.store import KpiStore

DEFAULT_BIND = "127.0.0.1"


@dataclass
class Exporter:
    """A running exporter; `close()` stops it and frees the port."""

    host: str
    port: int
    _server: Any
    _thread: Any

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

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
) -> Exporter:
    """Serve `registry` (default: the KPIs alone) on http://bind:port/metrics.

    Port 0 picks a free port; read it back from `Exporter.port`. Binds to
    loopback unless told otherwise: the metrics name hosts and phases.
    """
    if registry is None:
        registry = build_registry(store)
    try:
        server, thread = start_http_server(port, addr=bind, registry=registry)
    except OSError as exc:
        raise NovaError(f"cannot serve metrics on {bind}:{port}: {exc.strerror or exc}") from exc
    return Exporter(bind, int(server.server_address[1]), server, thread)
