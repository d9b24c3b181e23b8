"""The supervisor against real child processes, with real time and real signals."""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from agent_helpers import processes_with, wait_for

from nova.agents.restart import Backoff, RestartPolicy, StartLimit
from nova.agents.supervisor import (
    BACKOFF,
    RUNNING,
    STOPPED,
    Limits,
    ProgramSpec,
    Supervisor,
)

FAST = RestartPolicy("on-failure", Backoff(0.05, 2.0, 0.5, 0.0), StartLimit(50, 60), 60.0, 1.0)


def python(code: str, marker: str) -> list[str]:
    # The marker in argv lets the test find every process of this test, orphans included.
    return [sys.executable, "-c", code, marker]


class Running:
    """A supervisor looping in a thread, as the daemon runs it."""

    def __init__(self, specs: list[ProgramSpec]) -> None:
        self.records: list[tuple[str, str, str, str]] = []
        self.sup = Supervisor(
            specs, record=lambda p, o, n, r: self.records.append((p.spec.name, o, n, r))
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sup.run, args=(self.stop, 0.02))

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()

    def to_states(self, name: str) -> list[str]:
        return [n for prog, _, n, _ in self.records if prog == name]


@pytest.fixture
def marker() -> Iterator[str]:
    tag = f"nova-agent-test-{uuid.uuid4().hex[:10]}"
    yield tag
    leftovers = processes_with(tag)
    for proc in leftovers:
        proc.kill()
    assert not leftovers, f"orphans left behind: {[p.pid for p in leftovers]}"


def test_a_crashing_worker_is_restarted_with_a_new_identity(tmp_path: Path, marker: str) -> None:
    spec = ProgramSpec(
        "crash",
        python("import time; time.sleep(0.3); raise SystemExit(7)", marker),
        tmp_path / "crash.log",
        restart=FAST,
    )
    with Running([spec]) as run:
        wait_for(lambda: run.sup.programs["crash"].restarts >= 2)
        first = next(r for r in run.records if r[2] == RUNNING)
        assert any(r[2] == BACKOFF and "exit code 7" in r[3] for r in run.records)
        wait_for(lambda: run.sup.programs["crash"].state == RUNNING)
        current = run.sup.programs["crash"].child
        assert current is not None and f"pid {current.ident.pid}" not in first[3]
    assert run.sup.programs["crash"].state == STOPPED


def test_sigterm_ignored_is_followed_by_kill_after_the_grace(tmp_path: Path, marker: str) -> None:
    ready = tmp_path / "ready"
    code = (
        "import signal, time, pathlib; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(ready)!r}).touch(); time.sleep(120)"
    )
    policy = RestartPolicy("no", stop_grace=0.5)
    spec = ProgramSpec("stubborn", python(code, marker), tmp_path / "s.log", restart=policy)
    with Running([spec]) as run:
        wait_for(ready.exists)
        child = run.sup.programs["stubborn"].child
        assert child is not None
    assert child.popen.returncode == -9  # SIGKILL, after TERM was ignored
    assert run.records[-1][2:] == (STOPPED, "killed")
    assert not psutil.pid_exists(child.ident.pid) or child.ident.matches() is None


def test_a_memory_hog_is_restarted_after_k_samples(tmp_path: Path, marker: str) -> None:
    code = "import time; block = bytearray(160 * 2**20); time.sleep(120)"
    limits = Limits(memory=64 * 2**20, samples=3, interval=0.1)
    spec = ProgramSpec("hog", python(code, marker), tmp_path / "h.log", restart=FAST, limits=limits)
    with Running([spec]) as run:
        wait_for(lambda: run.sup.programs["hog"].restarts >= 1)
    reason = next(r[3] for r in run.records if r[2] == BACKOFF)
    assert "above 67108864 bytes for 3 samples in a row" in reason


def test_a_well_behaved_worker_under_its_limits_is_left_alone(tmp_path: Path, marker: str) -> None:
    limits = Limits(memory=512 * 2**20, samples=2, interval=0.05)
    spec = ProgramSpec(
        "calm",
        python("import time; time.sleep(120)", marker),
        tmp_path / "c.log",
        restart=FAST,
        limits=limits,
    )
    with Running([spec]) as run:
        wait_for(lambda: run.sup.programs["calm"].last_sample is not None)
        threading.Event().wait(0.5)
        assert run.sup.programs["calm"].restarts == 0
        sample = run.sup.programs["calm"].last_sample
        assert sample is not None and 0 < sample.rss < 512 * 2**20


def test_no_orphans_when_a_worker_with_children_crashes_or_is_stopped(
    tmp_path: Path, marker: str
) -> None:
    # The worker starts a grandchild (in its process group), then dies.
    code = (
        "import subprocess, sys, time; "
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', {marker!r}]);"
        " time.sleep(0.4); raise SystemExit(1)"
    )
    spec = ProgramSpec("parent", python(code, marker), tmp_path / "p.log", restart=FAST)
    with Running([spec]) as run:
        wait_for(lambda: len(processes_with(marker)) == 2)
        wait_for(lambda: run.sup.programs["parent"].restarts >= 1)
        # The crashed worker's grandchild went with it: only the new pair can be alive.
        assert len(processes_with(marker)) <= 2
        wait_for(lambda: len(processes_with(marker)) == 2)
    wait_for(lambda: not processes_with(marker), timeout=5)
