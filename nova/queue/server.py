"""Assembles the queue server: storage, dispatcher, handlers, health, reflection, TLS.

A caller is known by its bearer token, or by the certificate the server's
client CA verified; without a tokens file, a caller with neither is
`anonymous`. Every enqueue and every claim is decided by the queue policy
(nova/queue/policy.py) unless the caller passes its own hooks; there is no
way to run without one (docs/queue.md).
"""

from __future__ import annotations

from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nova.core.exposure import check_bind
from nova.kpi import default_store
from nova.kpi.buffer import KpiBuffer
from nova.queue import rpc
from nova.queue.auth import Authorize, TokenAuth
from nova.queue.config import ServerConfig
from nova.queue.dispatcher import Dispatcher
from nova.queue.kpis import QueueKpis
from nova.queue.policy import LOCAL_ROLES, RoleBook, policy_authorizer
from nova.queue.service import QueueService
from nova.queue.storage.base import Storage


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    client_ca: Path | None = None  # set to require client certificates


class QueueServer:
    def __init__(
        self,
        storage: Storage,
        config: ServerConfig | None = None,
        *,
        auth: TokenAuth | None = None,
        authorize: Authorize | None = None,
        authorize_claim: Authorize | None = None,
        tls: TlsFiles | None = None,
        insecure: bool = False,
    ) -> None:
        """`authorize` decides enqueues and `authorize_claim` claims; each defaults to the
        queue policy over LOCAL_ROLES without tokens, and over no roles (refuse every
        identity) with them."""
        import grpc
        from grpc_health.v1 import health, health_pb2, health_pb2_grpc
        from grpc_reflection.v1alpha import reflection

        self.storage = storage
        self.config = config or ServerConfig()
        # The bind rule holds for every caller, not only the command line.
        self.exposure = check_bind(
            "the queue",
            self.config.host,
            option="host",
            tls=tls is not None,
            authenticated=auth is not None or (tls is not None and tls.client_ca is not None),
            insecure=insecure,
            needs="TLS files, and tokens or a client CA",
        )
        book = LOCAL_ROLES if auth is None else RoleBook()
        authorize = authorize or policy_authorizer(book)
        authorize_claim = authorize_claim or policy_authorizer(book, action="claim")
        self.kpi_buffer: KpiBuffer | None = None
        kpis: QueueKpis | None = None
        if self.config.kpis:
            self.kpi_buffer = KpiBuffer(default_store(), self.config.kpi_flush_interval)
            kpis = QueueKpis(self.kpi_buffer, storage.get)
        self.dispatcher = Dispatcher(storage, self.config, kpis=kpis)
        self.service = QueueService(
            storage, self.config, self.dispatcher, auth, authorize, authorize_claim, kpis=kpis
        )
        limit = self.config.max_message_bytes
        self._server: Any = grpc.server(
            futures.ThreadPoolExecutor(max_workers=self.config.threads),
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", limit),
                ("grpc.so_reuseport", 0),
            ],
        )
        self._server.add_generic_rpc_handlers((rpc.generic_handler(self.service.handlers()),))
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        for name in ("", rpc.SERVICE):
            self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        reflection.enable_server_reflection(
            (rpc.SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME), self._server
        )
        address = f"{self.config.host}:{self.config.port}"
        if tls is None:
            self.port: int = self._server.add_insecure_port(address)
        else:
            self.port = self._server.add_secure_port(address, _server_credentials(tls))
        if self.port == 0:
            raise OSError(f"cannot bind {address}")

    def start(self) -> None:
        if self.kpi_buffer is not None:
            self.kpi_buffer.start()
        self.dispatcher.start()
        self._server.start()

    def wait(self, timeout: float | None = None) -> bool:
        return bool(self._server.wait_for_termination(timeout))

    def stop(self, grace: float = 2.0) -> None:
        from grpc_health.v1 import health_pb2

        self._health.enter_graceful_shutdown()
        for name in ("", rpc.SERVICE):
            self._health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        self.dispatcher.stop()
        self._server.stop(grace).wait()
        if self.kpi_buffer is not None:
            self.kpi_buffer.close()  # what the last interval recorded
        self.storage.close()


def _server_credentials(tls: TlsFiles) -> Any:
    import grpc

    ca = tls.client_ca.read_bytes() if tls.client_ca else None
    return grpc.ssl_server_credentials(
        [(tls.key.read_bytes(), tls.cert.read_bytes())],
        root_certificates=ca,
        require_client_auth=ca is not None,
    )
