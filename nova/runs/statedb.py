"""Opening the state store's SQLite file for modules that keep their own tables.

Each module adds its tables with `CREATE TABLE IF NOT EXISTS` in its own
schema, on the same file as nova/runs/state.py, with the same settings: WAL, so
readers never block the orchestrator's writes, and one short transaction per
`with` block.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nova.core.paths import state_db


def prepare(schema: str, path: Path | None = None) -> Path:
    """Create the tables of `schema` on the store; returns the file's path."""
    target = path or state_db()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with connect(target) as db:
        db.executescript(schema)
    return target


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
