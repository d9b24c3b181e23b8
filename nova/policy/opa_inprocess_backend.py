"""Rego evaluated in-process by OPA's own Go engine (the `opa_bindings` library).

The library (PyPI `opa-golib-python-bindings`) embeds
`github.com/open-policy-agent/opa/v1/rego` as a shared library called through
ctypes. Like the regopy backend, the policy folder is loaded into one engine
per revision and re-read when its files change; while it fails to load,
every query fails and the engine refuses.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import Any

from nova.core.errors import InputError
from nova.policy import source
from nova.policy.backend import BackendError

RULES = ("allow", "violations")
LIBRARY = "opa_bindings"
DISTRIBUTION = "opa-golib-python-bindings"


def load_library() -> Any:
    """The OPA bindings module, or a one-line InputError saying how to install it."""
    try:
        return importlib.import_module(LIBRARY)
    except ImportError as exc:
        raise InputError(
            "environment",
            "NOVA_POLICY_ENGINE",
            f"opa without NOVA_OPA_URL evaluates in-process and needs the {DISTRIBUTION} "
            "package (pip install 'nova[opa]'), or set NOVA_OPA_URL to an OPA server",
        ) from exc


def available() -> bool:
    try:
        importlib.import_module(LIBRARY)
    except ImportError:
        return False
    return True


class OpaInProcessBackend:
    name = "opa-inprocess"

    def __init__(self, folder: Path | None = None) -> None:
        self._library = load_library()
        self.folder = folder or source.policy_dir()
        self._lock = threading.Lock()
        self._fingerprint: tuple[tuple[str, int, int], ...] | None = None
        self._policies: source.PolicySet | None = None
        self._load_error: str | None = None
        self._engine: Any = None

    def revision(self) -> str:
        with self._lock:
            self._reload_if_changed()
            if self._policies is None:
                raise BackendError(f"policy load failed: {self._load_error}")
            return self._policies.revision

    def query(self, package: str, document: dict[str, Any]) -> tuple[Any, str]:
        with self._lock:
            policies = self._policies
            if policies is None:
                raise BackendError(f"policy load failed: {self._load_error}")
            if package not in policies.packages():
                raise BackendError(f"unknown policy package {package!r}")
            try:
                value = self._engine.eval_document(package.replace("/", "."), document)
            except self._library.OpaUndefinedError:
                return None, policies.revision
            except self._library.OpaError as exc:
                raise BackendError(f"OPA: {exc.message}") from exc
            if not isinstance(value, dict):
                return value, policies.revision
            return {k: v for k, v in value.items() if k in RULES}, policies.revision

    def _reload_if_changed(self) -> None:
        current = source.fingerprint(self.folder)
        if current == self._fingerprint and (self._policies or self._load_error):
            return
        self._fingerprint = current
        try:
            policies = source.load(self.folder)
            engine = load_modules(self._library, policies, with_tests=False)
        except InputError as exc:
            self._policies, self._load_error = None, str(exc)
            return
        if self._engine is not None:
            self._engine.close()
        self._engine = engine
        self._policies, self._load_error = policies, None


def load_modules(library: Any, policies: source.PolicySet, *, with_tests: bool) -> Any:
    """A fresh OPA engine holding the set's modules (and tests) and data."""
    engine = library.OpaEngine()
    modules = {**policies.modules, **(policies.tests if with_tests else {})}
    try:
        for name, text in modules.items():
            engine.add_policy(name, text)
        if policies.data:
            engine.add_data(policies.data)
    except library.OpaError as exc:
        engine.close()
        raise InputError(policies.folder, None, f"OPA: {exc.message}") from exc
    return engine
