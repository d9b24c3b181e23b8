"""Opening the state store's SQLite file, brought to the current schema first.

Every module that keeps tables in the store opens it here, with the same
settings: WAL, so readers never block the orchestrator's writes, and one
short transaction per `with` block. The tables themselves, and the
migrations between versions, are in nova/runs/schema.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from nova.core.errors import NovaError
from nova.core.paths import state_db
from nova.runs.schema import MIGRATIONS, VERSION


def prepare(path: Path | None = None) -> Path:
    """Bring the store at `path` (default NOVA_HOME/state.db) to VERSION; returns its path."""
    target = path or state_db()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with closing(sqlite3.connect(target, timeout=30, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        version = _version(db)
        if version == VERSION:
            return target
        # IMMEDIATE: a second process preparing the same file waits here, then
        # finds the work done.
        db.execute("BEGIN IMMEDIATE")
        try:
            version = _version(db)
            if version > VERSION:
                raise NovaError(
                    f"{target}: state store schema version {version} is newer than this "
                    f"Nova's ({VERSION}); upgrade Nova, or set NOVA_HOME to another folder"
                )
            for number in range(version + 1, VERSION + 1):
                for statement in _statements(MIGRATIONS[number - 1]):
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return target


def _version(db: sqlite3.Connection) -> int:
    row = db.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def _statements(script: str) -> list[str]:
    # The schema holds no triggers or string literals with semicolons of their own.
    return [s.strip() for s in script.split(";") if s.strip()]


@contextmanager
def connect(path: Path, foreign_keys: bool = False) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA journal_mode=WAL")
        if foreign_keys:
            db.execute("PRAGMA foreign_keys=ON")
        with db:
            yield db
    finally:
        db.close()
