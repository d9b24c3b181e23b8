"""The supervisor's schedule on a fake clock, with real child processes.

Children are real `python -c` processes that exit at once; only time is
fake, so backoff delays of minutes are checked without waiting for them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from nova.agents.restart import Backoff, RestartPolicy, StartLimit
from nova.agents.supervisor import BACKOFF, FAILED, FATAL, RUNNING, ProgramSpec, Supervisor


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t


def crasher(tmp_path: Path, **restart: object) -> ProgramSpec:
    policy = RestartPolicy(**{"backoff": Backoff(1.0, 2.0, 8.0, 0.0), **restart})  # type: ignore[arg-type]
    return ProgramSpec(
        "crasher",
        [sys.executable, "-c", "raise SystemExit(3)"],
        tmp_path / "crasher.log",
        restart=policy,
    )


def until_state(sup: Supervisor, state: str, timeout: float = 10.0) -> None:
    """Step in real time (the fake clock stands still) until the program is in `state`."""
    program = sup.programs["crasher"]
    deadline = time.monotonic() + timeout
    while program.state != state:
        if time.monotonic() > deadline:
            pytest.fail(f"still {program.state}, waiting for {state}")
        sup.step()
        time.sleep(0.01)


def test_backoff_schedule_doubles_to_the_cap(tmp_path: Path) -> None:
    clock = FakeClock()
    sup = Supervisor([crasher(tmp_path, start_limit=StartLimit(100, 60))], clock=clock)
    sup.start_all()
    delays = []
    for _ in range(6):
        until_state(sup, BACKOFF)
        program = sup.programs["crasher"]
        delays.append(program.next_start - clock.t)
        clock.t += delays[-1] - 0.01
        sup.step()
        assert program.state == BACKOFF, "started before its delay was over"
        clock.t += 0.01
        sup.step()
        assert program.state in (RUNNING, BACKOFF)
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_backoff_resets_after_a_clean_period(tmp_path: Path) -> None:
    clock = FakeClock()
    sup = Supervisor(
        [crasher(tmp_path, reset_after=30.0, start_limit=StartLimit(100, 1))], clock=clock
    )
    program = sup.programs["crasher"]
    sup.start_all()
    for _ in range(3):
        until_state(sup, BACKOFF)
        clock.t = program.next_start
        sup.step()
    assert program.failures == 3
    # This run lasts 30 fake seconds before its crash is seen: the count starts over.
    clock.t += 30.0
    until_state(sup, BACKOFF)
    assert program.failures == 1
    assert program.next_start - clock.t == 1.0


def test_start_limit_leads_to_fatal(tmp_path: Path) -> None:
    clock = FakeClock()
    spec = crasher(tmp_path, start_limit=StartLimit(burst=3, interval=60.0))
    records: list[tuple[str, str]] = []
    sup = Supervisor([spec], clock=clock, record=lambda p, o, n, r: records.append((n, r)))
    program = sup.programs["crasher"]
    sup.start_all()
    for _ in range(3):
        until_state(sup, BACKOFF)
        clock.t = program.next_start
        sup.step()
    assert program.state == FATAL
    assert records[-1][0] == FATAL and "start limit" in records[-1][1]
    clock.t += 3600
    sup.step()
    assert program.state == FATAL, "a fatal program must stay down"


def test_policy_no_leaves_a_crashed_program_failed(tmp_path: Path) -> None:
    sup = Supervisor([crasher(tmp_path, policy="no")], clock=FakeClock())
    sup.start_all()
    until_state(sup, FAILED)
    assert sup.programs["crasher"].last_exit == "exit code 3"
    assert sup.programs["crasher"].restarts == 0
