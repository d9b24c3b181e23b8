"""The answer to one policy question, and how a refusal is built."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Decision:
    """A policy verdict. Act on `allow` alone: violations only explain it."""

    allow: bool
    policy: str
    violations: tuple[str, ...] = ()
    decision_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    revision: str = ""
    input_hash: str = ""
    engine: str = ""
    latency_ms: float = 0.0
    cached: bool = False
    # Why the engine denied without the policy saying so (undefined, error, timeout...).
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["violations"] = list(self.violations)
        return data

    def as_cached(self, latency_ms: float) -> Decision:
        """The same verdict served again, under a decision id of its own."""
        return replace(self, cached=True, latency_ms=latency_ms, decision_id=str(uuid.uuid4()))


def parse_document(document: Any) -> tuple[bool, tuple[str, ...], str | None]:
    """Read a policy package's document: allow only when `allow` is exactly true.

    Returns (allow, violations, reason); a reason is set whenever the document
    does not have the expected shape, and the verdict is then a refusal.
    """
    if document is None:
        return False, (), "undefined: the policy produced no document"
    if not isinstance(document, dict):
        return False, (), f"malformed: expected an object, got {type(document).__name__}"
    violations = _violations(document.get("violations", []))
    if violations is None:
        return False, (), "malformed: violations is not a list of strings"
    if "allow" not in document:
        return False, violations, "undefined: allow is not defined"
    allow = document["allow"]
    if not isinstance(allow, bool):
        return False, violations, f"malformed: allow is {type(allow).__name__}, not boolean"
    return allow, violations, None


def _violations(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    if not all(isinstance(item, str) for item in value):
        return None
    return tuple(sorted(value))
