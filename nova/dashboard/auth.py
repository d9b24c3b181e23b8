"""Who may act from the dashboard: login tokens kept as hashes, sessions, CSRF tokens.

A token is shown once, by `nova dashboard token create NAME`, and only its
SHA-256 is kept, in NOVA_HOME/dashboard/tokens.json (mode 0600): a copy of
the file lets no one in. Tokens are 256 random bits, so a plain hash is as
strong as a slow one. Sessions live in the dashboard's memory, so a restart
logs everyone out; each has its own CSRF token that every POST must carry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from nova.core.errors import InputError
from nova.core.paths import ensure_home

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}\Z")
SESSION_SECONDS = 8 * 3600
MAX_SESSIONS = 1000
COOKIE = "nova_session"


def tokens_path() -> Path:
    return ensure_home() / "dashboard" / "tokens.json"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _load(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(path, None, f"cannot read the dashboard's tokens: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InputError(path, None, "must map each token's name to its SHA-256")
    return {str(k): v for k, v in data.items()}


def create_token(name: str, path: Path | None = None) -> str:
    """A new token for `name` (replacing its earlier one); only its hash is written."""
    if not NAME_RE.match(name):
        raise InputError(name, "NAME", "a name is a lowercase letter, then letters, digits, _ or -")
    path = path or tokens_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    hashes = _load(path)
    token = secrets.token_urlsafe(32)
    hashes[name] = _digest(token)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(hashes, out, indent=1, sort_keys=True)
    os.replace(tmp, path)
    return token


def token_owner(token: str, path: Path | None = None) -> str | None:
    """The name whose token this is, or None."""
    if not token or len(token) > 256:
        return None
    digest = _digest(token)
    owner = None
    for name, known in _load(path or tokens_path()).items():
        # Every hash is compared, so the time taken says nothing of which one matched.
        if hmac.compare_digest(digest, known):
            owner = name
    return owner


@dataclass(frozen=True)
class Session:
    name: str
    csrf: str
    expires: float


class Sessions:
    """The logged-in sessions of one dashboard process, by their cookie's value."""

    def __init__(self) -> None:
        self._by_id: dict[str, Session] = {}

    def open(self, name: str) -> tuple[str, Session]:
        now = time.monotonic()
        self._by_id = {k: s for k, s in self._by_id.items() if s.expires > now}
        if len(self._by_id) >= MAX_SESSIONS:
            oldest = min(self._by_id, key=lambda k: self._by_id[k].expires)
            del self._by_id[oldest]
        session_id = secrets.token_urlsafe(32)
        session = Session(name, secrets.token_urlsafe(32), now + SESSION_SECONDS)
        self._by_id[session_id] = session
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        session = self._by_id.get(session_id or "")
        if session is None or session.expires <= time.monotonic():
            return None
        return session

    def close(self, session_id: str | None) -> None:
        self._by_id.pop(session_id or "", None)


def csrf_ok(session: Session, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(session.csrf.encode(), given.encode())
