"""Keep secrets out of the audit log.

Two lists: key names whose values are always replaced, and secret values
registered at run time (tokens, passwords read from files) that are replaced
wherever they appear in any string. Known secret shapes (PEM private keys,
bearer tokens) are replaced too.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "***"

SECRET_KEY_NAMES = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|private_?key|api_?key|credential|"
    r"authorization|psk|preshared|cookie|session_?key)",
    re.IGNORECASE,
)
SECRET_SHAPES = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
)

_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Mask this exact value wherever it appears from now on in this process."""
    if len(value) >= 4:
        with _lock:
            _registered.add(value)


def mask(value: Any) -> Any:
    """A copy of `value` with secrets replaced by `***`."""
    with _lock:
        known = sorted(_registered, key=len, reverse=True)
    return _mask(value, known)


def mask_text(text: str) -> str:
    with _lock:
        known = sorted(_registered, key=len, reverse=True)
    return _mask_string(text, known)


def _mask(value: Any, known: list[str]) -> Any:
    if isinstance(value, dict):
        return {
            str(k): MASK
            if SECRET_KEY_NAMES.search(str(k)) and v not in (None, "")
            else _mask(v, known)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_mask(item, known) for item in value]
    if isinstance(value, str):
        return _mask_string(value, known)
    return value


def _mask_string(text: str, known: list[str]) -> str:
    for secret in known:
        text = text.replace(secret, MASK)
    for shape in SECRET_SHAPES:
        text = shape.sub(MASK, text)
    return text
