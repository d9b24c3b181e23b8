"""The state store: one SQLite file under NOVA_HOME for runs and their results.

Every write is a short transaction, so a run that dies half-way leaves a run
marked `running` or `error`, never a row with half of its fields.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nova.ansible.runner import HostStats, TaskResult
from nova.runs import statedb
from nova.runs.evidence import EvidenceRecord, record_from_row


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class PhaseRecord:
    name: str
    status: str
    started_at: str
    finished_at: str | None
    rc: int | None
    decision_id: str | None = None
    note: str | None = None
    hosts: dict[str, HostStats] = field(default_factory=dict)
    failures: list[TaskResult] = field(default_factory=list)
    # What the roles showed on each host in this phase, with the audit seq of each hash.
    evidence: list[EvidenceRecord] = field(default_factory=list)


@dataclass
class RunRecord:
    id: str
    started_at: str
    finished_at: str | None
    status: str
    inventory: str
    phases: list[str]
    limit: str | None
    check_mode: bool
    launcher: str
    report_path: str | None
    phase_results: list[PhaseRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "inventory": self.inventory,
            "phases": self.phases,
            "limit": self.limit,
            "check_mode": self.check_mode,
            "launcher": self.launcher,
            "report": self.report_path,
            "results": [
                {
                    "phase": p.name,
                    "status": p.status,
                    "rc": p.rc,
                    "decision_id": p.decision_id,
                    "note": p.note,
                    "hosts": {h: vars(s) for h, s in p.hosts.items()},
                    "failures": [vars(f) for f in p.failures],
                    "evidence": [e.to_dict() for e in p.evidence],
                }
                for p in self.phase_results
            ],
        }


class StateStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = statedb.prepare(path)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return statedb.connect(self.path, foreign_keys=True)

    # writes -----------------------------------------------------------------

    def start_run(
        self,
        run_id: str,
        inventory: str,
        phases: list[str],
        limit: str | None,
        check_mode: bool,
        launcher: str,
    ) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO runs (id, started_at, status, inventory, phases, limit_pattern,"
                " check_mode, launcher) VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
                (run_id, now(), inventory, json.dumps(phases), limit, int(check_mode), launcher),
            )

    def start_phase(self, run_id: str, seq: int, name: str, decision_id: str | None = None) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO phases (run_id, seq, name, status, started_at, decision_id)"
                " VALUES (?, ?, ?, 'running', ?, ?)",
                (run_id, seq, name, now(), decision_id),
            )

    def record_phase(
        self,
        run_id: str,
        seq: int,
        name: str,
        status: str,
        decision_id: str | None,
        note: str | None,
    ) -> None:
        """A phase recorded without running: denied by policy, or with nothing to do."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO phases (run_id, seq, name, status, started_at, finished_at,"
                " decision_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, seq, name, status, now(), now(), decision_id, note),
            )

    def finish_phase(
        self,
        run_id: str,
        seq: int,
        name: str,
        status: str,
        rc: int,
        hosts: dict[str, HostStats],
        failures: list[TaskResult],
    ) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE phases SET status = ?, finished_at = ?, rc = ?"
                " WHERE run_id = ? AND seq = ?",
                (status, now(), rc, run_id, seq),
            )
            db.executemany(
                "INSERT INTO host_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        name,
                        host,
                        s.ok,
                        s.changed,
                        s.failed,
                        s.unreachable,
                        s.skipped,
                        s.rescued,
                        s.ignored,
                    )
                    for host, s in sorted(hosts.items())
                ],
            )
            db.executemany(
                "INSERT INTO failed_tasks VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, name, f.host, f.task, f.status, f.message) for f in failures],
            )

    def finish_run(self, run_id: str, status: str, report_path: str | None = None) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE runs SET status = ?, finished_at = ?,"
                " report_path = COALESCE(?, report_path) WHERE id = ?",
                (status, now(), report_path, run_id),
            )

    # reads ------------------------------------------------------------------

    def list_runs(self, limit: int = 20) -> list[RunRecord]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_run_from_row(row) for row in rows]

    def get_run(self, run_id: str) -> RunRecord | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                matches = db.execute(
                    "SELECT * FROM runs WHERE id LIKE ? LIMIT 2", (run_id + "%",)
                ).fetchall()
                row = matches[0] if len(matches) == 1 else None
            if row is None:
                return None
            run = _run_from_row(row)
            for phase in db.execute(
                "SELECT * FROM phases WHERE run_id = ? ORDER BY seq", (run.id,)
            ).fetchall():
                record = PhaseRecord(
                    name=phase["name"],
                    status=phase["status"],
                    started_at=phase["started_at"],
                    finished_at=phase["finished_at"],
                    rc=phase["rc"],
                    decision_id=phase["decision_id"],
                    note=phase["note"],
                )
                for host in db.execute(
                    "SELECT * FROM host_results WHERE run_id = ? AND phase = ? ORDER BY host",
                    (run.id, record.name),
                ).fetchall():
                    record.hosts[host["host"]] = HostStats(
                        **{k: host[k] for k in vars(HostStats())}
                    )
                for task in db.execute(
                    "SELECT * FROM failed_tasks WHERE run_id = ? AND phase = ? ORDER BY rowid",
                    (run.id, record.name),
                ).fetchall():
                    record.failures.append(
                        TaskResult(task["host"], task["task"], task["status"], task["message"])
                    )
                record.evidence = [
                    record_from_row(row)
                    for row in db.execute(
                        "SELECT * FROM host_evidence WHERE run_id = ? AND phase = ?"
                        " ORDER BY host, check_name",
                        (run.id, record.name),
                    ).fetchall()
                ]
                run.phase_results.append(record)
        return run


def _run_from_row(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=row["id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        inventory=row["inventory"],
        phases=json.loads(row["phases"]),
        limit=row["limit_pattern"],
        check_mode=bool(row["check_mode"]),
        launcher=row["launcher"],
        report_path=row["report_path"],
    )
