"""How one audit entry is hashed onto the chain."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from nova.core.canonical import canonical_json

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    seq: int
    time: str
    actor: str
    action: str
    subject: str
    decision_id: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "decision_id": self.decision_id,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def entry_hash(
    prev_hash: str,
    seq: int,
    time: str,
    actor: str,
    action: str,
    subject: str,
    decision_id: str | None,
    payload: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the row."""
    row = {
        "seq": seq,
        "time": time,
        "actor": actor,
        "action": action,
        "subject": subject,
        "decision_id": decision_id,
        "payload": payload,
    }
    return hashlib.sha256((prev_hash + "\n" + canonical_json(row)).encode("utf-8")).hexdigest()
