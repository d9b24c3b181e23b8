"""Walk the chain and check it against the latest trusted checkpoint.

The walk catches edited, deleted, inserted and reordered rows at the first
seq where the chain breaks. Truncation of the tail leaves a shorter chain that
is still consistent, so it is caught by the checkpoint: a signed (seq, hash)
the chain must still contain.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nova.audit.chain import GENESIS, entry_hash
from nova.audit.log import AuditLog, Checkpoint
from nova.audit.signing import (
    checkpoint_message,
    load_private_key,
    public_key_of,
    signature_valid,
)
from nova.core.errors import InputError


@dataclass(frozen=True)
class TrustAnchor:
    """A public key and the checkpoints it signed, from an export kept elsewhere."""

    public_key: str
    checkpoints: tuple[Checkpoint, ...]
    source: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    failed_seq: int | None = None
    reason: str | None = None
    checkpoint_seq: int | None = None
    trust: str = "none"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify(log: AuditLog, anchor: TrustAnchor | None = None) -> VerifyResult:
    anchor = anchor or local_anchor(log)
    count, head_seq, head_hash = 0, 0, GENESIS
    hashes: dict[int, str] = {}
    checkpoint = _latest_valid(anchor)
    checkpoint_seq = checkpoint.seq if checkpoint else None
    trust = anchor.source if anchor else "none"

    def failed(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, count, head_seq, head_hash, seq, reason, checkpoint_seq, trust)

    for row in _raw_rows(log.path):
        seq, stamp, actor, action, subject, decision_id, payload_text, prev, digest = row
        expected = head_seq + 1
        if seq != expected:
            return failed(expected, f"entry {expected} is missing (next is {seq})")
        if prev != head_hash:
            return failed(seq, "prev_hash does not link to the entry before")
        try:
            payload = json.loads(payload_text)
        except (TypeError, json.JSONDecodeError):
            return failed(seq, "payload is not valid JSON")
        if entry_hash(prev, seq, stamp, actor, action, subject, decision_id, payload) != digest:
            return failed(seq, "hash does not match the entry's contents")
        count, head_seq, head_hash = count + 1, seq, digest
        if checkpoint and seq == checkpoint.seq:
            hashes[seq] = digest
    if checkpoint:
        if head_seq < checkpoint.seq:
            return failed(
                head_seq + 1,
                f"log ends at seq {head_seq} but checkpoint covers seq {checkpoint.seq}"
                " (truncated)",
            )
        if hashes.get(checkpoint.seq) != checkpoint.hash:
            return failed(checkpoint.seq, "entry differs from the signed checkpoint")
    return VerifyResult(True, count, head_seq, head_hash, None, None, checkpoint_seq, trust)


def local_anchor(log: AuditLog) -> TrustAnchor | None:
    """The host's own key and checkpoints: trusts the host, not a copy elsewhere."""
    if not log.key_path.exists():
        return None
    public = public_key_of(load_private_key(log.key_path))
    return TrustAnchor(public, tuple(log.checkpoints()), "local")


def load_anchor(path: Path) -> TrustAnchor:
    """Read an exported checkpoint file (from `nova audit export`)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(path, f"line {exc.lineno}", exc.msg) from exc
    if not isinstance(document, dict) or not isinstance(document.get("public_key"), str):
        raise InputError(path, "public_key", "missing or not a string")
    raw = document.get("checkpoints")
    if not isinstance(raw, list):
        raise InputError(path, "checkpoints", "missing or not a list")
    checkpoints = []
    for index, item in enumerate(raw):
        try:
            checkpoints.append(
                Checkpoint(
                    int(item["seq"]),
                    str(item["hash"]),
                    str(item["time"]),
                    str(item.get("public_key", document["public_key"])),
                    str(item["signature"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(path, f"checkpoints[{index}]", f"malformed: {exc}") from exc
    return TrustAnchor(document["public_key"], tuple(checkpoints), str(path))


def _latest_valid(anchor: TrustAnchor | None) -> Checkpoint | None:
    if anchor is None:
        return None
    valid = [
        c
        for c in anchor.checkpoints
        if signature_valid(anchor.public_key, checkpoint_message(c.seq, c.hash), c.signature)
    ]
    return max(valid, key=lambda c: c.seq) if valid else None


def _raw_rows(path: Path) -> list[tuple[Any, ...]]:
    if not path.exists():
        return []
    with closing(sqlite3.connect(path, timeout=30.0)) as db:
        try:
            return db.execute("SELECT * FROM entries ORDER BY seq").fetchall()
        except sqlite3.OperationalError:
            return []
