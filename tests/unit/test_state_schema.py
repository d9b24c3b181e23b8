"""The state store has one schema version for all its tables, and migrations only add."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from cli_harness import run_main

from nova.agents.record import stored_transitions
from nova.core.errors import NovaError
from nova.orchestrate.hub.store import Hub
from nova.orchestrate.store import OrchestrationStore
from nova.runs.index import RunIndex
from nova.runs.schema import MIGRATIONS, VERSION
from nova.runs.state import StateStore
from nova.runs.statedb import prepare

TABLES = {
    "runs", "phases", "host_results", "failed_tasks",
    "orchestrations", "orchestration_phases", "orchestration_tasks",
    "hub_messages", "agent_transitions", "host_evidence",
}  # fmt: skip


def tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows} - {"sqlite_sequence"}


def version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def test_a_new_store_has_every_table_at_the_current_version(tmp_path: Path) -> None:
    path = prepare(tmp_path / "state.db")
    assert tables(path) == TABLES
    assert version(path) == VERSION == len(MIGRATIONS)


@pytest.mark.parametrize("opener", [StateStore, OrchestrationStore, Hub])
def test_every_store_opens_the_file_at_the_one_version(tmp_path: Path, opener: type) -> None:
    opener(tmp_path / "state.db")
    assert version(tmp_path / "state.db") == VERSION
    assert tables(tmp_path / "state.db") == TABLES


def test_a_file_of_the_first_version_keeps_its_runs(tmp_path: Path) -> None:
    """What an older Nova left: version 1, the run tables, a run and an orchestration table."""
    path = tmp_path / "state.db"
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(MIGRATIONS[0])
        db.execute(
            "INSERT INTO runs (id, started_at, status, inventory, phases, check_mode, launcher)"
            " VALUES ('20261203-101010-abcdef', '2026-12-03T10:10:10', 'successful',"
            " 'sandbox', '[\"foundation\"]', 0, 'ops')"
        )
        # Orchestration tables used to appear on first use, outside any version.
        db.execute(
            "CREATE TABLE hub_messages (seq INTEGER PRIMARY KEY, channel TEXT, at REAL,"
            " kind TEXT, sender TEXT, recipients TEXT, subject TEXT, body TEXT)"
        )
        db.execute(
            "INSERT INTO hub_messages VALUES (1, 'r1', 1.0, 'note', 'a', '[\"*\"]', 's', '{}')"
        )
        db.execute("PRAGMA user_version = 1")
    store = StateStore(path)
    assert version(path) == VERSION and tables(path) == TABLES
    (run,) = store.list_runs()
    assert run.id == "20261203-101010-abcdef" and run.status == "successful"
    assert [m.subject for m in Hub(path).read("r1")] == ["s"]
    assert stored_transitions(path) == []


def test_a_newer_file_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE future (x)")
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    with pytest.raises(NovaError, match=rf"schema version {VERSION + 1} is newer than this Nova"):
        StateStore(path)
    assert tables(path) == {"future"} and version(path) == VERSION + 1


def test_the_run_index_reads_every_engine_from_one_model(nova_home: Path) -> None:
    """A file of the first version gains the index, and both engines' runs read back through it."""
    path = nova_home / "state.db"
    path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(MIGRATIONS[0])
        db.execute(
            "INSERT INTO runs (id, started_at, status, inventory, phases, check_mode, launcher)"
            " VALUES ('20261203-101010-abcdef', '2026-12-03T10:10:10+00:00', 'failed',"
            " 'sandbox', '[\"foundation\", \"observability\"]', 0, 'ops')"
        )
        db.execute(
            "INSERT INTO phases (run_id, seq, name, status, started_at, rc)"
            " VALUES ('20261203-101010-abcdef', 1, 'foundation', 'failed',"
            " '2026-12-03T10:10:11+00:00', 2)"
        )
        db.execute("PRAGMA user_version = 1")
    orchestrations = OrchestrationStore(path)
    orchestrations.start(
        "20261203-111111-fedcba",
        mode="sequential",
        concurrency=1,
        inventory="local",
        agents=["nova"],
        check_mode=False,
        queue="embedded",
        pid=1,
        pid_started=0.0,
    )
    orchestrations.start_phase("20261203-111111-fedcba", 1, "foundation")
    orchestrations.finish_phase("20261203-111111-fedcba", 1, "succeeded")
    orchestrations.skip_phase("20261203-111111-fedcba", 2, "experience", "blocked", "depends")
    orchestrations.finish("20261203-111111-fedcba", "incomplete", note="one phase blocked")

    newest, oldest = RunIndex(path).list_runs()
    assert (newest.engine, newest.id, newest.status) == (
        "orchestrate",
        "20261203-111111-fedcba",
        "incomplete",
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", newest.started_at)
    assert newest.finished_at is not None and newest.note == "one phase blocked"
    assert [(p.name, p.status) for p in newest.phases] == [
        ("foundation", "succeeded"),
        ("experience", "blocked"),
    ]
    assert (oldest.engine, oldest.actor, oldest.status) == ("provision", "ops", "failed")
    assert [(p.name, p.status) for p in oldest.phases] == [
        ("foundation", "failed"),
        ("observability", "not-run"),
    ]
    assert [r.id for r in RunIndex(path).list_runs(engine="provision")] == [oldest.id]

    listed = run_main("runs", "list", "--all", "-o", "json")
    assert listed.code == 0, listed.stderr
    assert [(r["engine"], r["id"]) for r in json.loads(listed.stdout)] == [
        ("orchestrate", newest.id),
        ("provision", oldest.id),
    ]
    # Without --all the list stays what `provision --resume` takes: provisioning runs.
    plain = json.loads(run_main("runs", "list", "-o", "json").stdout)
    assert [r["id"] for r in plain] == [oldest.id]


def test_a_file_of_the_third_version_gains_host_evidence_and_keeps_its_runs(
    tmp_path: Path,
) -> None:
    """Version 4 adds the host_evidence table; the runs of a version 3 file stay."""
    path = tmp_path / "state.db"
    with closing(sqlite3.connect(path)) as db, db:
        for script in MIGRATIONS[:3]:
            db.executescript(script)
        db.execute(
            "INSERT INTO runs (id, started_at, status, inventory, phases, check_mode, launcher)"
            " VALUES ('20261203-101010-abcdef', '2026-12-03T10:10:10+00:00', 'successful',"
            " 'sandbox', '[\"foundation\"]', 0, 'ops')"
        )
        db.execute("PRAGMA user_version = 3")
    assert "host_evidence" not in tables(path)
    store = StateStore(path)
    assert version(path) == VERSION and tables(path) == TABLES
    (run,) = store.list_runs()
    assert run.id == "20261203-101010-abcdef"
    record = store.get_run(run.id)
    assert record is not None and record.phase_results == []
