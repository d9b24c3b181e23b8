"""The append-only audit log in SQLite.

Triggers abort UPDATE and DELETE; each append runs in BEGIN IMMEDIATE, so
writers in different processes take turns and the chain never forks. Every
`checkpoint_every` entries the head is signed with the host's Ed25519 key.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nova.audit.chain import GENESIS, Entry, entry_hash
from nova.audit.mask import mask, mask_text
from nova.audit.signing import (
    KEY_FILE_NAME,
    checkpoint_message,
    load_or_create_private_key,
    public_key_of,
    sign,
)
from nova.core.canonical import canonical_json
from nova.core.errors import NovaError
from nova.core.paths import ensure_home, nova_home

DEFAULT_CHECKPOINT_EVERY = 100

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    decision_id TEXT,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    time TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
"""


def default_path() -> Path:
    return nova_home() / "audit.db"


def current_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    time: str
    public_key: str
    signature: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "time": self.time,
            "public_key": self.public_key,
            "signature": self.signature,
        }


class AuditLog:
    def __init__(
        self,
        path: Path | str | None = None,
        checkpoint_every: int | None = None,
        key_path: Path | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        every = checkpoint_every or int(
            os.environ.get("NOVA_AUDIT_CHECKPOINT_EVERY", DEFAULT_CHECKPOINT_EVERY)
        )
        self.checkpoint_every = max(every, 1)
        self.key_path = key_path or self.path.parent / KEY_FILE_NAME
        self._ready = False

    def append(
        self,
        actor: str,
        action: str,
        subject: str,
        decision_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Entry:
        """Add one entry at the head of the chain; secrets are masked first."""
        clean = json.loads(canonical_json(mask(payload or {})))
        actor, action, subject = mask_text(actor), mask_text(action), mask_text(subject)
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
                stamp = datetime.now(UTC).isoformat(timespec="microseconds")
                digest = entry_hash(prev, seq, stamp, actor, action, subject, decision_id, clean)
                db.execute(
                    "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        seq,
                        stamp,
                        actor,
                        action,
                        subject,
                        decision_id,
                        canonical_json(clean),
                        prev,
                        digest,
                    ),
                )
                if seq % self.checkpoint_every == 0:
                    self._checkpoint(db, seq, digest, stamp)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return Entry(seq, stamp, actor, action, subject, decision_id, clean, prev, digest)

    def checkpoint_now(self) -> Checkpoint | None:
        """Sign the current head, e.g. before exporting; None for an empty log."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                if (
                    row
                    and not db.execute(
                        "SELECT 1 FROM checkpoints WHERE seq = ?", (row[0],)
                    ).fetchone()
                ):
                    self._checkpoint(db, row[0], row[1], datetime.now(UTC).isoformat())
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        checkpoints = self.checkpoints()
        return checkpoints[-1] if checkpoints else None

    def entries(self, since: int = 0, limit: int | None = None) -> Iterator[Entry]:
        if not self.path.exists():
            return
        query = "SELECT * FROM entries WHERE seq > ? ORDER BY seq"
        params: tuple[Any, ...] = (since,)
        if limit is not None:
            query += " LIMIT ?"
            params = (since, limit)
        with closing(self._connect()) as db:
            for row in db.execute(query, params):
                yield _entry(row)

    def tail(self, count: int) -> list[Entry]:
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT * FROM entries ORDER BY seq DESC LIMIT ?", (count,)
            ).fetchall()
        return [_entry(row) for row in reversed(rows)]

    def checkpoints(self) -> list[Checkpoint]:
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM checkpoints ORDER BY seq").fetchall()
        return [Checkpoint(*row) for row in rows]

    def _checkpoint(self, db: sqlite3.Connection, seq: int, digest: str, stamp: str) -> None:
        private = load_or_create_private_key(self.key_path)
        db.execute(
            "INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?)",
            (
                seq,
                digest,
                stamp,
                public_key_of(private),
                sign(private, checkpoint_message(seq, digest)),
            ),
        )

    def _connect(self) -> sqlite3.Connection:
        if self.path.parent == nova_home():
            ensure_home()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise NovaError(f"{self.path}: cannot open audit log: {exc}") from exc
        db.execute("PRAGMA busy_timeout = 30000")
        if not self._ready:
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(SCHEMA)
            self._ready = True
        return db


def _entry(row: tuple[Any, ...]) -> Entry:
    seq, stamp, actor, action, subject, decision_id, payload, prev, digest = row
    try:
        body = json.loads(payload)
    except (TypeError, json.JSONDecodeError):
        body = {"unreadable": str(payload)}
    return Entry(seq, stamp, actor, action, subject, decision_id, body, prev, digest)
