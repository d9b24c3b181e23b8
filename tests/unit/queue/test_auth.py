"""Bearer tokens: file checks, hashed tokens, and identity lookup."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from nova.core.errors import InputError
from nova.queue.auth import TokenAuth

TOKEN = "s3cret-token-for-alice"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_plain_and_hashed_tokens_map_to_identities(tmp_path: Path) -> None:
    digest = hashlib.sha256(b"another-token-for-bob").hexdigest()
    auth = TokenAuth.load(write(tmp_path / "t.yml", f"alice: {TOKEN}\nbob: sha256:{digest}\n"))
    assert auth.identify({"authorization": f"Bearer {TOKEN}"}) == "alice"
    assert auth.identify({"authorization": "Bearer another-token-for-bob"}) == "bob"
    assert auth.identify({"authorization": "Bearer wrong-token-xxxxxxxx"}) is None
    assert auth.identify({"authorization": TOKEN}) is None  # not a bearer header
    assert auth.identify({}) is None


def test_tokens_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yml", f"alice: {TOKEN}\n", mode=0o644)
    with pytest.raises(InputError, match="not be readable by group or others"):
        TokenAuth.load(path)


def test_short_token_is_refused_naming_the_identity(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        TokenAuth.load(write(tmp_path / "t.yml", "alice: Zq9x\n"))
    assert info.value.field == "alice"
    assert "Zq9x" not in str(info.value)  # the secret itself is never echoed
