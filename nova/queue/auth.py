"""Bearer tokens mapped to identities, and the policy hook that later checks them.

The tokens file is YAML, readable by its owner only, mapping each identity
to its tokens. `nova queue token create` writes a token as its SHA-256 with
the times it was made and expires, so the file never holds the secret:

    alice:
      - sha256: 9f86d081...
        created: "2026-12-03T19:00:00+00:00"
        expires: "2027-01-02T19:00:00+00:00"   # or null: never

A hand-written file may also give `identity: <token>` or
`identity: sha256:<hex>`; `nova doctor security` flags the first form, which
keeps the secret itself on disk. Tokens are compared in constant time,
expired ones identify nobody, and none is ever logged.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nova.core.errors import InputError
from nova.core.secretfile import require_private
from nova.core.yamlfile import load_yaml

ANONYMOUS = "anonymous"
HEADER = "authorization"
MIN_TOKEN_LENGTH = 16
HEX_DIGEST_LENGTH = 64

# authorize(identity, task_type) -> (allowed, reason). None means no policy
# is configured: every authenticated identity may enqueue every type.
Authorize = Callable[[str, str], tuple[bool, str]]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenEntry:
    identity: str
    sha256: str
    created: str | None = None
    expires: str | None = None  # ISO 8601; None never expires
    plaintext: bool = False  # the file holds the token itself, not its hash

    @property
    def id(self) -> str:
        """A short name for the token that reveals nothing of it: the hash's first 12 digits."""
        return self.sha256[:12]

    def expired(self, now: float) -> bool:
        return self.expires is not None and datetime.fromisoformat(self.expires).timestamp() <= now

    def to_yaml(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "created": self.created, "expires": self.expires}


class TokenAuth:
    def __init__(
        self,
        tokens: Mapping[str, str] | list[TokenEntry],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`tokens`: entries, or identity -> token or `sha256:<hex>` of it."""
        if isinstance(tokens, Mapping):
            self.entries = [_short_form(None, str(k), v) for k, v in tokens.items()]
        else:
            self.entries = list(tokens)
        self.clock = clock

    @classmethod
    def load(cls, path: Path) -> TokenAuth:
        return cls(read_entries(path))

    def identify(self, metadata: Mapping[str, str]) -> str | None:
        """The identity a request's bearer token maps to, or None."""
        value = metadata.get(HEADER, "")
        if not value.startswith("Bearer "):
            return None
        presented = digest(value.removeprefix("Bearer ").strip())
        found: TokenEntry | None = None
        # Every entry is compared, so the time taken says nothing of which matched.
        for entry in self.entries:
            if hmac.compare_digest(entry.sha256, presented):
                found = entry
        if found is None or found.expired(self.clock()):
            return None
        return found.identity


def read_entries(path: Path) -> list[TokenEntry]:
    """Every token in the file; InputError naming the file and identity for anything wrong."""
    require_private(path, "tokens file")
    data = load_yaml(path, missing="tokens file not found") or {}
    if not isinstance(data, dict):
        raise InputError(path, None, "must map identity to token")
    entries: list[TokenEntry] = []
    for identity, value in data.items():
        name = str(identity)
        if isinstance(value, list):
            entries += [
                _long_form(path, f"{name}[{n}]", name, item) for n, item in enumerate(value)
            ]
        else:
            entries.append(_short_form(path, name, value))
    return entries


def _short_form(path: Path | None, identity: str, value: Any) -> TokenEntry:
    if not isinstance(value, str) or len(value) < MIN_TOKEN_LENGTH:
        raise InputError(path or "tokens", identity, "token must be a string of 16+ characters")
    if value.startswith("sha256:"):
        return TokenEntry(identity, _hex(path, identity, value.removeprefix("sha256:")))
    return TokenEntry(identity, digest(value), plaintext=True)


def _long_form(path: Path, where: str, identity: str, item: Any) -> TokenEntry:
    if not isinstance(item, dict) or set(item) - {"sha256", "created", "expires"}:
        raise InputError(path, where, "must be a mapping of sha256, created and expires")
    stamps: dict[str, str | None] = {}
    for key in ("created", "expires"):
        stamps[key] = _time_text(item.get(key))
        if item.get(key) is not None and stamps[key] is None:
            raise InputError(
                path, f"{where}.{key}", "must be an ISO 8601 time with a zone, or null"
            )
    sha256 = _hex(path, where, item.get("sha256"))
    return TokenEntry(identity, sha256, created=stamps["created"], expires=stamps["expires"])


def _hex(path: Path | None, where: str, value: Any) -> str:
    text = str(value or "").lower()
    if len(text) != HEX_DIGEST_LENGTH or any(c not in "0123456789abcdef" for c in text):
        raise InputError(path or "tokens", where, "sha256 must be 64 hexadecimal digits")
    return text


def _time_text(value: Any) -> str | None:
    """The time as ISO 8601 text (YAML may already have read it as a datetime); None if not one."""
    if isinstance(value, datetime):
        stamp = value
    else:
        try:
            stamp = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return stamp.isoformat() if stamp.tzinfo is not None else None


def now_iso(offset: float = 0.0) -> str:
    return datetime.fromtimestamp(time.time() + offset, UTC).isoformat(timespec="seconds")
