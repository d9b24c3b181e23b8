"""Writers in separate processes append to one log; the chain never forks."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from nova.audit.log import AuditLog
from nova.audit.verify import verify

WRITERS = 4
APPENDS = 40


def _write(path: str, writer: int) -> None:
    log = AuditLog(Path(path), checkpoint_every=25)
    for n in range(APPENDS):
        log.append(f"writer-{writer}", "test.append", f"item-{n}", None, {"n": n})


def test_concurrent_processes_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    AuditLog(path).tail(1)
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write, args=(str(path), w)) for w in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    for process in processes:
        if process.is_alive():
            process.kill()
    assert [p.exitcode for p in processes] == [0] * WRITERS
    log = AuditLog(path)
    result = verify(log)
    assert result.ok, result
    assert result.entries == WRITERS * APPENDS
    entries = list(log.entries())
    assert len({e.prev_hash for e in entries}) == len(entries), "two entries share a parent"
    assert [c.seq for c in log.checkpoints()] == list(range(25, WRITERS * APPENDS + 1, 25))
