"""POST alerts to a webhook as JSON, with a timeout and retries.

Connection errors, timeouts, 408, 429 and 5xx answers are retried with
exponential backoff; other 4xx answers are not, since sending the same body
again cannot succeed. The bearer token, when there is one, is read from the
environment at send time and never stored or printed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

RETRYABLE = {408, 425, 429}
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 8.0


@dataclass(frozen=True)
class Delivery:
    ok: bool
    attempts: int
    status: int | None  # the last HTTP status, if any answer came
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "attempts": self.attempts,
            "status": self.status,
            "error": self.error,
        }


def post_json(
    url: str,
    body: dict[str, Any],
    timeout_s: float = 5.0,
    retries: int = 3,
    token: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send `body`; try at most `retries + 1` times. Never raises for delivery problems."""
    data = json.dumps(body, sort_keys=True).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "nova-monitor"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status: int | None = None
    error: str | None = None
    for attempt in range(1, retries + 2):
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                return Delivery(True, attempt, response.status)
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500 and exc.code not in RETRYABLE:
                return Delivery(False, attempt, status, error)
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            status, error = None, f"{type(reason).__name__}: {reason}"
        if attempt <= retries:
            sleep(min(FIRST_DELAY_S * 2 ** (attempt - 1), MAX_DELAY_S))
    return Delivery(False, retries + 1, status, error)


def redact_url(url: str) -> str:
    """The URL without user info, query or fragment, which may carry credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
