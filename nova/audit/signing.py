"""Ed25519 keys that sign audit checkpoints.

The private key stays on the host (mode 0600); the public key and the signed
checkpoints are exported so that a copy kept elsewhere can prove what the log
held, including entries a truncation removed.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from nova.core.errors import InputError
from nova.core.secretfile import require_private

KEY_FILE_NAME = "audit_signing.key"


def load_or_create_private_key(path: Path) -> bytes:
    """The raw 32-byte private key, created on first use."""
    if path.exists():
        return load_private_key(path)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(raw).decode("ascii") + "\n")
    return raw


def load_private_key(path: Path) -> bytes:
    require_private(path, "checkpoint signing key")
    try:
        raw = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"unreadable checkpoint key: {exc}") from exc
    if len(raw) != 32:
        raise InputError(path, None, "checkpoint key must be 32 bytes of base64")
    return raw


def public_key_of(private_raw: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = Ed25519PrivateKey.from_private_bytes(private_raw).public_key()
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def sign(private_raw: bytes, message: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signature = Ed25519PrivateKey.from_private_bytes(private_raw).sign(message)
    return base64.b64encode(signature).decode("ascii")


def signature_valid(public_b64: str, message: bytes, signature_b64: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_message(seq: int, entry_hash: str) -> bytes:
    return f"nova-audit-checkpoint\n{seq}\n{entry_hash}".encode("ascii")
