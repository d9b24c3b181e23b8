"""The engine Nova uses, chosen from the environment.

NOVA_POLICY_ENGINE names it:

- `regopy` (default) evaluates the policy folder in-process with regopy;
- `opa` is OPA itself: the server at NOVA_OPA_URL when that is set (with
  NOVA_OPA_TOKEN and NOVA_OPA_CA / NOVA_OPA_CERT / NOVA_OPA_KEY for bearer or
  mutual TLS), otherwise OPA's Go engine in-process over the policy folder
  (the `opa` extra).

Any other name is refused with one line naming the variable.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from nova.core.errors import InputError
from nova.policy.backend import Backend
from nova.policy.cache import DecisionCache
from nova.policy.engine import PolicyEngine
from nova.policy.opa_backend import OpaBackend, OpaSettings
from nova.policy.opa_inprocess_backend import OpaInProcessBackend
from nova.policy.regopy_backend import RegopyBackend

ENGINES = ("regopy", "opa")

_shared: PolicyEngine | None = None
_lock = threading.Lock()


def engine_name() -> str:
    """The engine the setting names, checked: an unknown name is an InputError."""
    kind = os.environ.get("NOVA_POLICY_ENGINE", "").strip() or "regopy"
    if kind not in ENGINES:
        raise InputError(
            "environment",
            "NOVA_POLICY_ENGINE",
            f"unknown engine {kind!r} (choose {' or '.join(ENGINES)})",
        )
    return kind


def backend_from_env(folder: Path | None = None) -> Backend:
    """The backend NOVA_POLICY_ENGINE names; `folder` overrides NOVA_POLICY_DIR.

    An OPA server evaluates the bundle it was given, so a policy folder cannot
    be handed to it: asking for one is refused rather than silently ignored.
    """
    kind = engine_name()
    if kind == "regopy":
        return RegopyBackend(folder)
    url = os.environ.get("NOVA_OPA_URL", "").strip()
    if not url:
        return OpaInProcessBackend(folder)
    if folder is not None:
        raise InputError(
            "--policies",
            None,
            f"the OPA server at NOVA_OPA_URL evaluates its own bundle, not {folder}; "
            "unset NOVA_OPA_URL to evaluate a folder with OPA in-process",
        )
    settings = OpaSettings(
        url=url,
        token=os.environ.get("NOVA_OPA_TOKEN") or None,
        timeout_s=_float("NOVA_OPA_TIMEOUT", "2"),
        ca_file=os.environ.get("NOVA_OPA_CA") or None,
        cert_file=os.environ.get("NOVA_OPA_CERT") or None,
        key_file=os.environ.get("NOVA_OPA_KEY") or None,
    )
    return OpaBackend(settings)


def engine_from_env(folder: Path | None = None) -> PolicyEngine:
    cache = DecisionCache(
        max_entries=int(_float("NOVA_POLICY_CACHE_SIZE", "1024")),
        ttl_seconds=_float("NOVA_POLICY_CACHE_TTL", "30"),
    )
    return PolicyEngine(backend_from_env(folder), cache)


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


def _float(variable: str, default: str) -> float:
    raw = os.environ.get(variable, default)
    try:
        return float(raw)
    except ValueError:
        raise InputError("environment", variable, f"not a number: {raw!r}") from None
