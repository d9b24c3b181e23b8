"""Where supervisor state transitions go: the audit log, else the state store.

The audit log is the record of what Nova did. When it cannot be written (a
read-only or broken audit file), the transition still lands in a table of
the state store, so none is lost.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from nova.agents.supervisor import Program
from nova.audit.log import AuditLog
from nova.core.paths import state_db
from nova.runs.statedb import connect, prepare

log = logging.getLogger(__name__)

ACTOR = "nova-agents"
ACTION = "agent.state"


class TransitionRecorder:
    def __init__(self, audit_path: Path | None = None, store_path: Path | None = None) -> None:
        self.audit = AuditLog(audit_path)
        self.store_path = store_path or state_db()

    def __call__(self, program: Program, old: str, new: str, reason: str) -> None:
        ident = program.child.ident if program.child else None
        payload = {
            "from": old,
            "to": new,
            "reason": reason,
            "pid": ident.pid if ident else None,
            "create_time": ident.create_time if ident else None,
            "restarts": program.restarts,
        }
        try:
            self.audit.append(ACTOR, ACTION, program.spec.name, payload=payload)
        except (sqlite3.Error, OSError) as exc:
            log.warning("audit log unavailable (%s); recording in the state store", exc)
            self.to_store(
                program.spec.name,
                old,
                new,
                reason,
                ident.pid if ident else None,
                ident.create_time if ident else None,
            )

    def to_store(
        self, name: str, old: str, new: str, reason: str, pid: int | None, create_time: float | None
    ) -> None:
        with connect(prepare(self.store_path)) as db:
            db.execute(
                "INSERT INTO agent_transitions (time, program, from_state, to_state, pid,"
                " create_time, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="microseconds"),
                    name,
                    old,
                    new,
                    pid,
                    create_time,
                    reason,
                ),
            )


def stored_transitions(store_path: Path | None = None) -> list[dict[str, object]]:
    path = store_path or state_db()
    if not path.exists():
        return []
    with connect(prepare(path)) as db:
        rows = db.execute("SELECT * FROM agent_transitions ORDER BY seq").fetchall()
    return [dict(r) for r in rows]
