"""Host evidence in the state store: what roles showed on each host, by run and check.

Each row holds the evidence data (canonical JSON), its sha256, whether the
host met the check, when it was collected and the seq of the audit entry
`evidence.<check>` that carries the same sha256. The audit log holds only
that hash reference; the data stays here, and a reader checks one against
the other (`EvidenceRecord.intact`).

Readers that must not create or migrate the file (the compliance report)
open it read-only with `read_evidence`; a file without the table has no
evidence.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nova.core.canonical import canonical_json, input_hash
from nova.runs import statedb


def evidence_hash(data: dict[str, Any]) -> str:
    """The sha256 of evidence data: over its canonical JSON, as the audit entry records it."""
    return input_hash(data)


@dataclass(frozen=True)
class EvidenceRecord:
    run_id: str
    phase: str
    host: str
    check: str
    ok: bool
    sha256: str
    data_json: str  # canonical JSON, exactly as stored
    collected_at: str
    audit_seq: int

    @property
    def data(self) -> dict[str, Any]:
        value = json.loads(self.data_json)
        return value if isinstance(value, dict) else {"value": value}

    @property
    def intact(self) -> bool:
        """The stored data still hashes to the sha256 recorded beside it."""
        try:
            return evidence_hash(self.data) == self.sha256
        except (TypeError, ValueError):
            return False

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "phase": self.phase,
            "host": self.host,
            "check": self.check,
            "ok": self.ok,
            "sha256": self.sha256,
            "collected_at": self.collected_at,
            "audit_seq": self.audit_seq,
        }


class EvidenceStore:
    """Writes and reads the host_evidence table of a state store."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = statedb.prepare(path)

    def record(
        self,
        run_id: str,
        phase: str,
        host: str,
        check: str,
        ok: bool,
        data: dict[str, Any],
        collected_at: str,
        audit_seq: int,
    ) -> EvidenceRecord:
        record = EvidenceRecord(
            run_id,
            phase,
            host,
            check,
            ok,
            evidence_hash(data),
            canonical_json(data),
            collected_at,
            audit_seq,
        )
        with statedb.connect(self.path, foreign_keys=True) as db:
            db.execute(
                "INSERT OR REPLACE INTO host_evidence (run_id, phase, host, check_name, ok,"
                " sha256, data, collected_at, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    phase,
                    host,
                    check,
                    int(ok),
                    record.sha256,
                    record.data_json,
                    collected_at,
                    audit_seq,
                ),
            )
        return record

    def for_run(self, run_id: str) -> list[EvidenceRecord]:
        with statedb.connect(self.path) as db:
            rows = db.execute(
                "SELECT * FROM host_evidence WHERE run_id = ? ORDER BY audit_seq", (run_id,)
            ).fetchall()
        return [record_from_row(row) for row in rows]


def read_evidence(path: Path, audit_seq: int) -> EvidenceRecord | None:
    """The row an audit entry points at, read without creating or migrating the file."""
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            db.row_factory = sqlite3.Row
            row = db.execute(
                "SELECT * FROM host_evidence WHERE audit_seq = ?", (audit_seq,)
            ).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else record_from_row(row)


def record_from_row(row: sqlite3.Row) -> EvidenceRecord:
    return EvidenceRecord(
        run_id=row["run_id"],
        phase=row["phase"],
        host=row["host"],
        check=row["check_name"],
        ok=bool(row["ok"]),
        sha256=row["sha256"],
        data_json=row["data"],
        collected_at=row["collected_at"],
        audit_seq=int(row["audit_seq"]),
    )
