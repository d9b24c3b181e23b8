"""Tampering with an audit database the way someone with file access would."""

from __future__ import annotations

import sqlite3

from nova.audit.log import AuditLog


def tamper(log: AuditLog, *statements: str) -> None:
    """What an attacker with file access does: drop the guards, then edit rows."""
    with sqlite3.connect(log.path) as db:
        db.execute("DROP TRIGGER entries_no_update")
        db.execute("DROP TRIGGER entries_no_delete")
        for statement in statements:
            db.execute(statement)
