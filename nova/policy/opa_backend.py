"""Decisions from an OPA server through its REST Data API.

`POST /v1/data/<package>?provenance` with `{"input": ...}`; OPA answers
`{"result": ...}`, or `{}` when the document is undefined. Connection
failures and 5xx answers are retried; 4xx answers are not. The revision is
the bundle revision OPA reports in its provenance.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from nova.policy.backend import BackendError


@dataclass(frozen=True)
class OpaSettings:
    url: str
    token: str | None = None
    timeout_s: float = 2.0
    retries: int = 2
    backoff_s: float = 0.05
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    def __repr__(self) -> str:
        # The token must never reach logs or reports through a repr.
        return f"OpaSettings(url={self.url!r}, token={'***' if self.token else None})"


class OpaBackend:
    name = "opa"

    def __init__(self, settings: OpaSettings) -> None:
        self.settings = settings
        self._revision = "opa:unknown"
        self._context = _tls_context(settings)

    def revision(self) -> str:
        return self._revision

    def query(self, package: str, document: dict[str, Any]) -> tuple[Any, str]:
        body = self._post(f"/v1/data/{package.strip('/')}?provenance", {"input": document})
        revision = _revision_of(body.get("provenance"))
        if revision:
            self._revision = revision
        if "result" not in body:
            return None, self._revision
        return body["result"], self._revision

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(payload).encode("utf-8")
        last_error = "no attempt made"
        for attempt in range(self.settings.retries + 1):
            if attempt:
                time.sleep(self.settings.backoff_s * attempt)
            try:
                return self._send(path, data)
            except _Retryable as exc:
                last_error = str(exc)
        attempts = self.settings.retries + 1
        raise BackendError(f"OPA unreachable after {attempts} attempts: {last_error}")

    def _send(self, path: str, data: bytes) -> dict[str, Any]:
        request = urllib.request.Request(
            self.settings.url.rstrip("/") + path, data=data, method="POST"
        )
        request.add_header("Content-Type", "application/json")
        if self.settings.token:
            request.add_header("Authorization", f"Bearer {self.settings.token}")
        try:
            with urllib.request.urlopen(
                request, timeout=self.settings.timeout_s, context=self._context
            ) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            message = _opa_message(exc.read())
            if exc.code >= 500:
                raise _Retryable(f"HTTP {exc.code}: {message}") from exc
            raise BackendError(f"OPA refused the query: HTTP {exc.code}: {message}") from exc
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise _Retryable(str(getattr(exc, "reason", exc))) from exc
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BackendError(f"OPA answered with malformed JSON: {exc.msg}") from exc
        if not isinstance(body, dict):
            raise BackendError("OPA answered with something other than an object")
        return body


class _Retryable(Exception):
    pass


def _tls_context(settings: OpaSettings) -> ssl.SSLContext | None:
    if not settings.url.startswith("https://"):
        return None
    context = ssl.create_default_context(cafile=settings.ca_file)
    if settings.cert_file:
        context.load_cert_chain(settings.cert_file, settings.key_file)
    return context


def _revision_of(provenance: Any) -> str | None:
    if not isinstance(provenance, dict):
        return None
    bundles = provenance.get("bundles")
    if isinstance(bundles, dict) and bundles:
        parts = [
            f"{name}@{info.get('revision', '')}"
            for name, info in sorted(bundles.items())
            if isinstance(info, dict)
        ]
        return "opa:" + ",".join(parts)
    revision = provenance.get("revision")
    return f"opa:{revision}" if isinstance(revision, str) and revision else None


def _opa_message(raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return raw[:200].decode("utf-8", "replace")
    if isinstance(body, dict):
        return str(body.get("message") or body.get("code") or body)
    return str(body)
