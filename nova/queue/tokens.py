"""`nova queue token create|list|revoke`: the tokens file, changed one token at a time.

A new token is random (32 bytes, URL-safe), shown once, and stored as its
SHA-256. Rotation is create-then-revoke: an identity may hold several tokens
while its clients move to the new one. Every write replaces the file
atomically and keeps it readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from nova.core.errors import InputError
from nova.core.paths import nova_home
from nova.queue.auth import TokenEntry, digest, now_iso, read_entries

IDENTITY_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.@")


def default_tokens_file() -> Path:
    return nova_home() / "queue-tokens.yml"


@dataclass(frozen=True)
class NewToken:
    entry: TokenEntry
    secret: str  # shown to the user once, never stored or logged


def list_tokens(path: Path) -> list[TokenEntry]:
    return read_entries(path) if path.exists() else []


def create_token(path: Path, identity: str, lifetime: float | None) -> NewToken:
    if not identity or set(identity) - IDENTITY_CHARS:
        raise InputError(identity or "''", "IDENTITY", "use lower-case letters, digits and - _ . @")
    secret = secrets.token_urlsafe(32)
    entry = TokenEntry(
        identity,
        digest(secret),
        created=now_iso(),
        expires=None if lifetime is None else now_iso(lifetime),
    )
    _write(path, [*list_tokens(path), entry])
    return NewToken(entry, secret)


def revoke_tokens(path: Path, identity: str, token_id: str | None = None) -> list[TokenEntry]:
    """Remove the identity's tokens (or the one with `token_id`); returns what was removed."""
    entries = list_tokens(path)
    gone = [e for e in entries if e.identity == identity and (token_id is None or e.id == token_id)]
    if not gone:
        what = f"token {token_id} of {identity}" if token_id else f"tokens of {identity}"
        raise InputError(path, identity, f"no {what} in the file")
    _write(path, [e for e in entries if e not in gone])
    return gone


def _write(path: Path, entries: list[TokenEntry]) -> None:
    document: dict[str, list[dict[str, object]]] = {}
    for entry in entries:
        # A token written by hand in plain text is kept, now as its hash.
        document.setdefault(entry.identity, []).append(entry.to_yaml())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yaml.safe_dump(document, out, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
