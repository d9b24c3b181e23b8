"""Rego unit tests (`test_*` rules in `*_test.rego`), run through regopy or OPA.

Each test rule is queried on its own, bound to a variable so that a test
whose body fails reads as `undefined` (failed), never as a passing `false`.
With the `opa` engine the tests run through OPA's Go engine in-process.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from nova.core.errors import InputError
from nova.policy import opa_inprocess_backend
from nova.policy.backend import BackendError
from nova.policy.rego_output import error_text, run_query
from nova.policy.source import PolicySet

_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)", re.MULTILINE)
_TEST_RULE = re.compile(r"^(test_\w+)\s+if\b", re.MULTILINE)


@dataclass(frozen=True)
class TestResult:
    file: str
    name: str
    passed: bool
    error: str | None
    duration_ms: float


def discover(policies: PolicySet) -> list[tuple[str, str, str]]:
    """(file, package, rule) for every test rule, in file order."""
    found = []
    for file, text in sorted(policies.tests.items()):
        package = _PACKAGE.search(text)
        if package is None:
            raise InputError(file, "package", "missing package declaration")
        for rule in dict.fromkeys(_TEST_RULE.findall(text)):
            found.append((file, package.group(1), rule))
    return found


def run_tests(
    policies: PolicySet, name_filter: str | None = None, engine: str = "regopy"
) -> list[TestResult]:
    """Run the set's tests through `regopy` or `opa` (OPA in-process)."""
    if engine == "opa":
        return _run_tests_opa(policies, name_filter)
    from regopy import Interpreter, RegoError

    interpreter = Interpreter()
    interpreter.strict_built_in_errors = True
    try:
        for name, text in {**policies.modules, **policies.tests}.items():
            interpreter.add_module(name, text)
        if policies.data:
            interpreter.add_data(policies.data)
    except RegoError as exc:
        raise InputError(policies.folder, None, error_text(str(exc))) from exc
    results = []
    for file, package, rule in discover(policies):
        if name_filter and name_filter not in rule:
            continue
        started = time.perf_counter()
        try:
            value = run_query(interpreter, f"x := data.{package}.{rule}")
            passed, error = value is True, None
        except BackendError as exc:
            passed, error = False, str(exc)
        results.append(
            TestResult(
                file,
                f"data.{package}.{rule}",
                passed,
                error,
                round((time.perf_counter() - started) * 1000, 3),
            )
        )
    return results


def _run_tests_opa(policies: PolicySet, name_filter: str | None) -> list[TestResult]:
    library = opa_inprocess_backend.load_library()
    engine = opa_inprocess_backend.load_modules(library, policies, with_tests=True)
    results = []
    try:
        for file, package, rule in discover(policies):
            if name_filter and name_filter not in rule:
                continue
            started = time.perf_counter()
            error: str | None = None
            try:
                passed = engine.eval_document(f"{package}.{rule}") is True
            except library.OpaUndefinedError:
                passed = False
            except library.OpaError as exc:
                passed, error = False, f"OPA: {exc.message}"
            results.append(
                TestResult(
                    file,
                    f"data.{package}.{rule}",
                    passed,
                    error,
                    round((time.perf_counter() - started) * 1000, 3),
                )
            )
    finally:
        engine.close()
    return results
