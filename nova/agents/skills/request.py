"""The JSON payload a skill task carries, checked field by field."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from nova.core.errors import InputError

KNOWN_KEYS = {"inventory", "limit", "check", "task", "args"}
ARG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:/@+=,-]{0,199}\Z")


@dataclass(frozen=True)
class SkillRequest:
    inventory: str | None = None
    limit: str | None = None
    check: bool = False
    task: str | None = None
    # Values for a command template's placeholders or a callable's options;
    # each is a short plain word, never a shell fragment.
    args: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "inventory": self.inventory,
            "limit": self.limit,
            "check": self.check,
            "task": self.task,
            "args": dict(self.args),
        }


def parse(payload: bytes, source: str = "payload") -> SkillRequest:
    """A request from task payload bytes; an empty payload asks for the defaults."""
    if not payload.strip():
        return SkillRequest()
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(source, None, f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InputError(source, None, "must be a JSON object")
    unknown = sorted(set(document) - KNOWN_KEYS)
    if unknown:
        raise InputError(
            source, unknown[0], f"unknown key (known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    check = document.get("check", False)
    if not isinstance(check, bool):
        raise InputError(source, "check", "must be true or false")
    args = document.get("args") or {}
    if not isinstance(args, dict):
        raise InputError(source, "args", "must be an object of strings")
    for key, value in args.items():
        if not isinstance(value, str) or not ARG_RE.match(value):
            raise InputError(source, f"args.{key}", "must be a short word without spaces")
    return SkillRequest(
        inventory=_optional_str(source, "inventory", document.get("inventory")),
        limit=_optional_str(source, "limit", document.get("limit")),
        check=check,
        task=_optional_str(source, "task", document.get("task")),
        args=dict(args),
    )


def _optional_str(source: str, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(source, key, "must be a non-empty string or null")
    return value
