from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from nova.audit.log import AuditLog
from nova.cli.audit import audit


def test_show_verify_export(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    for n in range(3):
        log.append("alice", "run.start", f"r{n}", None, {"n": n})
    runner = CliRunner()
    shown = runner.invoke(audit, ["show", "--log", str(log.path), "--output", "json"])
    assert [e["seq"] for e in json.loads(shown.output)] == [1, 2, 3]
    target = tmp_path / "export.json"
    exported = runner.invoke(audit, ["export", "--log", str(log.path), "--to", str(target)])
    assert exported.exit_code == 0, exported.output
    document = json.loads(target.read_text())
    assert document["checkpoints"][-1]["seq"] == 3
    assert len(document["entries"]) == 3
    ok = runner.invoke(
        audit,
        ["verify", "--log", str(log.path), "--trusted", str(target)],
        standalone_mode=False,
    )
    assert ok.return_value == 0 and "OK: 3 entries" in ok.output
    with sqlite3.connect(log.path) as db:
        db.execute("DROP TRIGGER entries_no_update")
        db.execute("UPDATE entries SET subject = 'forged' WHERE seq = 2")
    bad = runner.invoke(audit, ["verify", "--log", str(log.path)], standalone_mode=False)
    assert bad.return_value == 1
    assert "FAILED at seq 2" in bad.output
