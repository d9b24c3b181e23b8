"""Bearer tokens mapped to identities, and the policy hook that later checks them.

The tokens file is YAML, `identity: token`, readable by its owner only. A
token may be given as `sha256:<hex>` so the file need not hold the secret
itself. Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from nova.core.errors import InputError

ANONYMOUS = "anonymous"
HEADER = "authorization"

# authorize(identity, task_type) -> (allowed, reason). None means no policy
# is configured: every authenticated identity may enqueue every type.
Authorize = Callable[[str, str], tuple[bool, str]]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenAuth:
    def __init__(self, tokens: Mapping[str, str]) -> None:
        """`tokens` maps identity -> token or `sha256:<hex>` of it."""
        self._digests = {
            (tok.removeprefix("sha256:") if tok.startswith("sha256:") else _digest(tok)): ident
            for ident, tok in tokens.items()
        }

    @classmethod
    def load(cls, path: Path) -> TokenAuth:
        if not path.is_file():
            raise InputError(path, None, "tokens file not found")
        if path.stat().st_mode & 0o077:
            raise InputError(path, None, "tokens file must not be readable by group or others")
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise InputError(path, None, f"not valid YAML ({exc.__class__.__name__})") from None
        if not isinstance(data, dict):
            raise InputError(path, None, "must map identity to token")
        for ident, tok in data.items():
            if not isinstance(tok, str) or len(tok) < 16:
                raise InputError(path, str(ident), "token must be a string of 16+ characters")
        return cls({str(k): v for k, v in data.items()})

    def identify(self, metadata: Mapping[str, str]) -> str | None:
        """The identity a request's bearer token maps to, or None."""
        value = metadata.get(HEADER, "")
        if not value.startswith("Bearer "):
            return None
        digest = _digest(value.removeprefix("Bearer ").strip())
        for known, ident in self._digests.items():
            if hmac.compare_digest(known, digest):
                return ident
        return None
