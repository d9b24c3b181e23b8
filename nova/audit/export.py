"""Export the log and its signed checkpoints, to keep a trusted copy elsewhere."""

from __future__ import annotations

from typing import Any

from nova.audit.log import AuditLog
from nova.audit.signing import load_or_create_private_key, public_key_of

EXPORT_FORMAT = "nova-audit-export/1"


def export_document(log: AuditLog, include_entries: bool = True) -> dict[str, Any]:
    """The public key, every checkpoint (the head signed now) and optionally the entries."""
    log.checkpoint_now()
    public = public_key_of(load_or_create_private_key(log.key_path))
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "public_key": public,
        "checkpoints": [c.to_dict() for c in log.checkpoints()],
    }
    if include_entries:
        document["entries"] = [e.to_dict() for e in log.entries()]
    return document
