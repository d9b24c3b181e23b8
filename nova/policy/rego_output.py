"""Running regopy queries and reading their output safely.

regopy's own Output class parses the output text as JSON on construction and
so raises an unrelated JSONDecodeError when evaluation fails; this module uses
the C-level calls instead, so an evaluation error keeps its message. It also
keeps `undefined` distinct from `false`: a plain query of a rule whose value
is false yields `undefined`, which is why the engine queries compiled
entrypoints or binds the value (`x := data.pkg.rule`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from nova.policy.backend import BackendError

_ERRORMSG = re.compile(r"\(errormsg \d+:([^)\n]*)")


def run_entrypoint(interpreter: Any, bundle: Any, entrypoint: str) -> Any:
    from regopy.rego_shared import rego_bundle_query_entrypoint

    return _consume(rego_bundle_query_entrypoint(interpreter._impl, bundle._impl, entrypoint))


def run_query(interpreter: Any, query: str) -> Any:
    from regopy.rego_shared import rego_query

    return _consume(rego_query(interpreter._impl, query))


def _consume(impl: Any) -> Any:
    from regopy.rego_shared import rego_free_output, rego_output_ok, rego_output_string

    try:
        ok = rego_output_ok(impl)
        text = rego_output_string(impl)
    finally:
        rego_free_output(impl)
    if not ok:
        raise BackendError(error_text(text))
    return document_of(text)


def document_of(text: str) -> Any:
    """The single value a query produced; None when it is undefined."""
    if text.strip() == "undefined":
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        raise BackendError(error_text(text)) from None
    results = parsed if isinstance(parsed, list) else [parsed]
    if len(results) != 1 or not isinstance(results[0], dict):
        raise BackendError(f"expected one result, got {len(results)}")
    result = results[0]
    bindings = result.get("bindings") or {}
    if "x" in bindings:
        return bindings["x"]
    expressions = result.get("expressions") or []
    if len(expressions) != 1:
        raise BackendError(f"expected one expression, got {len(expressions)}")
    return expressions[0]


def error_text(text: str) -> str:
    """The first error message in regopy's error output, on one line."""
    match = _ERRORMSG.search(text)
    if match:
        return match.group(1).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.startswith(("Errors:", "---", "~"))]
    return meaningful[0] if meaningful else "regopy evaluation failed"
