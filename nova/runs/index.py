"""Every engine's runs in one model: what `nova runs list --all` and the dashboard read.

The index is a pair of views over the engines' own tables (migration 3 in
nova/runs/schema.py); a run's full record stays with its engine
(nova.runs.state for provisioning, nova.orchestrate.store for orchestration).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nova.runs import statedb

ENGINES = ("provision", "orchestrate")


@dataclass(frozen=True)
class PhaseSummary:
    seq: int
    name: str
    status: str
    started_at: str
    finished_at: str | None
    note: str | None


@dataclass(frozen=True)
class RunSummary:
    engine: str
    id: str
    started_at: str
    finished_at: str | None
    status: str
    inventory: str
    actor: str | None
    report_path: str | None
    note: str | None
    phases: list[PhaseSummary] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RunIndex:
    def __init__(self, path: Path | None = None) -> None:
        self.path = statedb.prepare(path)

    def list_runs(self, limit: int = 20, engine: str | None = None) -> list[RunSummary]:
        """The newest runs first, of one engine or of all."""
        query = "SELECT * FROM run_index"
        args: list[Any] = []
        if engine is not None:
            query += " WHERE engine = ?"
            args.append(engine)
        query += " ORDER BY started_at DESC, id DESC LIMIT ?"
        args.append(limit)
        with statedb.connect(self.path) as db:
            rows = db.execute(query, args).fetchall()
            return [self._summary(db, row) for row in rows]

    def latest_phase_status(self, engine: str) -> dict[str, str]:
        """Each phase's status in the newest run of `engine` that recorded it; one query."""
        with statedb.connect(self.path) as db:
            rows = db.execute(
                "SELECT name, status FROM phase_index WHERE engine = ?"
                " ORDER BY started_at DESC, run_id DESC",
                (engine,),
            ).fetchall()
        latest: dict[str, str] = {}
        for row in rows:
            latest.setdefault(row["name"], row["status"])
        return latest

    def _summary(self, db: Any, row: Any) -> RunSummary:
        phases = [
            PhaseSummary(
                p["seq"], p["name"], p["status"], p["started_at"], p["finished_at"], p["note"]
            )
            for p in db.execute(
                "SELECT * FROM phase_index WHERE engine = ? AND run_id = ? ORDER BY seq",
                (row["engine"], row["id"]),
            ).fetchall()
        ]
        # Planned phases with no record yet (a run still going, or stopped early).
        recorded = {p.name for p in phases}
        planned = [n for n in json.loads(row["phases"] or "[]") if n not in recorded]
        phases += [PhaseSummary(0, name, "not-run", "", None, None) for name in planned]
        return RunSummary(
            engine=row["engine"],
            id=row["id"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            status=row["status"],
            inventory=row["inventory"],
            actor=row["actor"],
            report_path=row["report_path"],
            note=row["note"],
            phases=phases,
        )
