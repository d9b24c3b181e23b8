"""The engine Nova uses, chosen from the environment.

NOVA_POLICY_ENGINE=regopy (default) evaluates the policy folder in-process;
NOVA_POLICY_ENGINE=opa asks the server at NOVA_OPA_URL, with NOVA_OPA_TOKEN
and NOVA_OPA_CA / NOVA_OPA_CERT / NOVA_OPA_KEY for bearer or mutual TLS.
"""

from __future__ import annotations

import os
import threading

from nova.core.errors import InputError
from nova.policy.cache import DecisionCache
from nova.policy.engine import PolicyEngine
from nova.policy.opa_backend import OpaBackend, OpaSettings
from nova.policy.regopy_backend import RegopyBackend

_shared: PolicyEngine | None = None
_lock = threading.Lock()


def engine_from_env() -> PolicyEngine:
    kind = os.environ.get("NOVA_POLICY_ENGINE", "regopy")
    cache = DecisionCache(
        max_entries=int(os.environ.get("NOVA_POLICY_CACHE_SIZE", "1024")),
        ttl_seconds=float(os.environ.get("NOVA_POLICY_CACHE_TTL", "30")),
    )
    if kind == "regopy":
        return PolicyEngine(RegopyBackend(), cache)
    if kind == "opa":
        url = os.environ.get("NOVA_OPA_URL")
        if not url:
            raise InputError("environment", "NOVA_OPA_URL", "required when NOVA_POLICY_ENGINE=opa")
        settings = OpaSettings(
            url=url,
            token=os.environ.get("NOVA_OPA_TOKEN") or None,
            timeout_s=float(os.environ.get("NOVA_OPA_TIMEOUT", "2")),
            ca_file=os.environ.get("NOVA_OPA_CA") or None,
            cert_file=os.environ.get("NOVA_OPA_CERT") or None,
            key_file=os.environ.get("NOVA_OPA_KEY") or None,
        )
        return PolicyEngine(OpaBackend(settings), cache)
    raise InputError("environment", "NOVA_POLICY_ENGINE", f"unknown engine {kind!r}")


def shared_engine() -> PolicyEngine:
    """One engine per process, so its compiled bundle and cache are reused."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = engine_from_env()
        return _shared


def reset_shared_engine() -> None:
    global _shared
    with _lock:
        _shared = None
