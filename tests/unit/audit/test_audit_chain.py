"""Verification fails at the exact seq where the chain was tampered with."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from audit_tamper import tamper

from nova.audit.export import export_document
from nova.audit.log import AuditLog
from nova.audit.verify import load_anchor, verify
from nova.core.errors import InputError


def test_intact_log_verifies(filled_log: AuditLog) -> None:
    result = verify(filled_log)
    assert result.ok, result
    assert (result.entries, result.head_seq, result.checkpoint_seq) == (10, 10, 10)
    assert result.trust == "local"


def test_update_and_delete_are_refused_by_triggers(filled_log: AuditLog) -> None:
    with sqlite3.connect(filled_log.path) as db:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE entries SET actor = 'mallory' WHERE seq = 3")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM entries WHERE seq = 3")
    assert verify(filled_log).ok


def test_edited_row_fails_at_its_seq(filled_log: AuditLog) -> None:
    tamper(filled_log, "UPDATE entries SET actor = 'mallory' WHERE seq = 4")
    result = verify(filled_log)
    assert (result.ok, result.failed_seq) == (False, 4)
    assert "hash does not match" in (result.reason or "")


def test_edited_payload_fails_at_its_seq(filled_log: AuditLog) -> None:
    tamper(filled_log, """UPDATE entries SET payload = '{"n":99}' WHERE seq = 7""")
    assert verify(filled_log).failed_seq == 7


def test_deleted_row_fails_at_its_seq(filled_log: AuditLog) -> None:
    tamper(filled_log, "DELETE FROM entries WHERE seq = 6")
    result = verify(filled_log)
    assert (result.ok, result.failed_seq) == (False, 6)
    assert "missing" in (result.reason or "")


def test_reordered_rows_fail_at_first_moved_seq(filled_log: AuditLog) -> None:
    rows = {r[0]: r for r in sqlite3.connect(filled_log.path).execute("SELECT * FROM entries")}
    swap = [(3, rows[5]), (5, rows[3])]
    with sqlite3.connect(filled_log.path) as db:
        db.execute("DROP TRIGGER entries_no_delete")
        db.execute("DELETE FROM entries WHERE seq IN (3, 5)")
        for seq, row in swap:
            db.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (seq, *row[1:]))
    result = verify(filled_log)
    assert (result.ok, result.failed_seq) == (False, 3)


def test_inserted_row_fails_at_its_seq(filled_log: AuditLog) -> None:
    with sqlite3.connect(filled_log.path) as db:
        db.execute("DROP TRIGGER entries_no_update")
        for seq in range(10, 4, -1):
            db.execute("UPDATE entries SET seq = seq + 1 WHERE seq = ?", (seq,))
        prev = db.execute("SELECT hash FROM entries WHERE seq = 4").fetchone()[0]
        db.execute(
            "INSERT INTO entries VALUES (5, '2020-01-01', 'x', 'y', 'z', NULL, '{}', ?, ?)",
            (prev, "f" * 64),
        )
    result = verify(filled_log)
    assert (result.ok, result.failed_seq) == (False, 5)


def test_truncation_is_caught_by_the_local_checkpoint(filled_log: AuditLog) -> None:
    tamper(filled_log, "DELETE FROM entries WHERE seq > 7")
    result = verify(filled_log)
    assert (result.ok, result.failed_seq) == (False, 8)
    assert "truncated" in (result.reason or "")


def test_truncation_with_checkpoints_wiped_is_caught_by_exported_checkpoint(
    filled_log: AuditLog, tmp_path: Path
) -> None:
    exported = tmp_path / "offhost.json"
    exported.write_text(json.dumps(export_document(filled_log, include_entries=False)))
    tamper(filled_log, "DELETE FROM entries WHERE seq > 6")
    with sqlite3.connect(filled_log.path) as db:
        db.execute("DROP TRIGGER checkpoints_no_delete")
        db.execute("DELETE FROM checkpoints")
    assert verify(filled_log).ok, "the host alone cannot see this truncation"
    result = verify(filled_log, load_anchor(exported))
    assert (result.ok, result.failed_seq) == (False, 7)
    assert result.checkpoint_seq == 10


def test_forged_checkpoint_is_not_trusted(filled_log: AuditLog, tmp_path: Path) -> None:
    document = export_document(filled_log, include_entries=False)
    document["checkpoints"].append(dict(document["checkpoints"][-1], seq=50))
    exported = tmp_path / "forged.json"
    exported.write_text(json.dumps(document))
    result = verify(filled_log, load_anchor(exported))
    assert result.ok and result.checkpoint_seq == 10


def test_malformed_checkpoint_file_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"public_key": 3}')
    with pytest.raises(InputError, match=r"bad.json: public_key: missing"):
        load_anchor(bad)


def test_malformed_signing_key_is_one_line_error_and_log_is_kept(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db", checkpoint_every=2)
    log.append("a", "x", "s")
    log.key_path.write_text("not base64!!\n")
    log.key_path.chmod(0o600)
    with pytest.raises(InputError) as caught:
        log.append("a", "x", "s")
    assert "\n" not in str(caught.value) and "checkpoint key" in str(caught.value)
    assert [e.seq for e in log.entries()] == [1]
