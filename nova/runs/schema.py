"""Every table of the state store (NOVA_HOME/state.db), and how a file moves to the next version.

The file has one schema version for all its tables, SQLite's `user_version`.
Each migration runs once, in order, in the same transaction as the version it
sets, and only adds: a file made by an older Nova keeps everything it holds.
Tables here are written by the modules named beside them; none of those
modules creates a table of its own.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1. Provisioning runs, their phases, per-host results and failed tasks
    #    (nova.runs.state).
    """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    inventory TEXT NOT NULL,
    phases TEXT NOT NULL,
    limit_pattern TEXT,
    check_mode INTEGER NOT NULL,
    launcher TEXT NOT NULL,
    report_path TEXT
);
CREATE TABLE IF NOT EXISTS phases (
    run_id TEXT NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    rc INTEGER,
    decision_id TEXT,
    note TEXT,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS host_results (
    run_id TEXT NOT NULL REFERENCES runs(id),
    phase TEXT NOT NULL,
    host TEXT NOT NULL,
    ok INTEGER NOT NULL, changed INTEGER NOT NULL, failed INTEGER NOT NULL,
    unreachable INTEGER NOT NULL, skipped INTEGER NOT NULL,
    rescued INTEGER NOT NULL, ignored INTEGER NOT NULL,
    PRIMARY KEY (run_id, phase, host)
);
CREATE TABLE IF NOT EXISTS failed_tasks (
    run_id TEXT NOT NULL REFERENCES runs(id),
    phase TEXT NOT NULL,
    host TEXT NOT NULL,
    task TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at);
""",
    # 2. Orchestrations with their phases and tasks (nova.orchestrate.store), the
    #    hub's messages (nova.orchestrate.hub.store) and agent state changes that
    #    could not reach the audit log (nova.agents.record). Older files made
    #    these tables on first use, so each is created only where it is missing.
    """
CREATE TABLE IF NOT EXISTS orchestrations (
    id TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,
    mode TEXT NOT NULL,
    concurrency INTEGER NOT NULL,
    inventory TEXT NOT NULL,
    agents TEXT NOT NULL,
    check_mode INTEGER NOT NULL,
    queue TEXT NOT NULL,
    pid INTEGER NOT NULL,
    pid_started REAL NOT NULL,
    memory TEXT,
    report_path TEXT,
    note TEXT
);
CREATE TABLE IF NOT EXISTS orchestration_phases (
    run_id TEXT NOT NULL REFERENCES orchestrations(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    note TEXT,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS orchestration_tasks (
    run_id TEXT NOT NULL REFERENCES orchestrations(id),
    task TEXT NOT NULL,
    agent TEXT NOT NULL,
    phase TEXT NOT NULL,
    skill TEXT NOT NULL,
    status TEXT NOT NULL,
    queue_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    queued_at REAL,
    started_at REAL,
    finished_at REAL,
    error TEXT,
    result TEXT,
    PRIMARY KEY (run_id, task)
);
CREATE INDEX IF NOT EXISTS orchestration_tasks_task ON orchestration_tasks(task);
CREATE TABLE IF NOT EXISTS hub_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS hub_messages_channel ON hub_messages(channel, seq);
CREATE TABLE IF NOT EXISTS agent_transitions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    program TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    pid INTEGER,
    create_time REAL,
    reason TEXT NOT NULL
);
""",
    # 3. One index of the runs and phases of every engine (nova.runs.index), so
    #    a reader sees provisioning and orchestration in one model. Views only:
    #    each engine keeps writing its own tables. Times are ISO 8601 in UTC.
    """
CREATE VIEW IF NOT EXISTS run_index AS
SELECT 'provision' AS engine, id, started_at, finished_at, status, inventory,
       phases, launcher AS actor, report_path, NULL AS note
FROM runs
UNION ALL
SELECT 'orchestrate' AS engine, o.id,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', o.started_at, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', o.finished_at, 'unixepoch'),
       o.status, o.inventory,
       (SELECT json_group_array(name) FROM
           (SELECT name FROM orchestration_phases p WHERE p.run_id = o.id ORDER BY seq)),
       NULL, o.report_path, o.note
FROM orchestrations o;
CREATE VIEW IF NOT EXISTS phase_index AS
SELECT 'provision' AS engine, run_id, seq, name, status, started_at, finished_at, note
FROM phases
UNION ALL
SELECT 'orchestrate' AS engine, run_id, seq, name, status,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', started_at, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', finished_at, 'unixepoch'),
       note
FROM orchestration_phases;
""",
    # 4. Compliance evidence the roles recorded on each host during a run
    #    (nova.runs.evidence): the data itself, its sha256 over canonical JSON,
    #    and the seq of the audit entry `evidence.<check>` that holds the hash.
    """
CREATE TABLE IF NOT EXISTS host_evidence (
    run_id TEXT NOT NULL REFERENCES runs(id),
    phase TEXT NOT NULL,
    host TEXT NOT NULL,
    check_name TEXT NOT NULL,
    ok INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    audit_seq INTEGER NOT NULL,
    PRIMARY KEY (run_id, phase, host, check_name)
);
CREATE INDEX IF NOT EXISTS host_evidence_seq ON host_evidence(audit_seq);
""",
)
VERSION = len(MIGRATIONS)
