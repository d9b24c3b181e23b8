"""Server settings, with the defaults an operator gets from `nova queue serve`."""

from __future__ import annotations

from dataclasses import dataclass, field

from nova.queue.backoff import Backoff
from nova.queue.limits import Limits


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 50071
    lease_seconds: float = 30.0
    heartbeat_interval: float = 10.0
    # A worker silent this long is dead and its tasks go back to the queue.
    heartbeat_timeout: float = 30.0
    max_depth: int = 100_000
    dedup_window: float = 24 * 3600.0
    result_ttl: float = 24 * 3600.0
    default_max_attempts: int = 5
    backoff: Backoff = field(default_factory=Backoff)
    limits: Limits = field(default_factory=Limits)
    # How often leases and dead workers are checked.
    reap_interval: float = 1.0
    purge_interval: float = 60.0
    # Enqueues on this server wake the dispatcher at once; this bounds how
    # long a task enqueued through another server sharing Redis waits.
    idle_tick: float = 1.0
    max_message_bytes: int = 32 * 1024 * 1024
    # Tasks one identity may enqueue: this many a second on average, burst at once.
    enqueue_rate: float = 1000.0
    enqueue_burst: int = 10_000
    threads: int = 32
    # Task KPIs (nova/queue/kpis.py), summed in memory and written to
    # NOVA_HOME/kpi.db every kpi_flush_interval seconds.
    kpis: bool = True
    kpi_flush_interval: float = 2.0
