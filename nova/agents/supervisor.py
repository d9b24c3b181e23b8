"""The supervisor: starts programs, watches them, restarts them by their policy.

`step()` does one round of work and never sleeps, so the daemon calls it in a
loop and tests call it on a clock they control. Each program moves through

    backoff -> running -> (exited | failed | backoff | fatal)
    running -> stopping -> stopped

and every move is handed to the recorder.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nova.agents.clock import Clock, MonotonicClock
from nova.agents.process import Child, Sample, describe_exit
from nova.agents.restart import RestartPolicy, StartHistory

log = logging.getLogger(__name__)

BACKOFF, RUNNING, STOPPING, STOPPED = "backoff", "running", "stopping", "stopped"
EXITED, FAILED, FATAL = "exited", "failed", "fatal"


@dataclass(frozen=True)
class Limits:
    """Resource limits; a breach for `samples` samples in a row restarts the program."""

    memory: int | None = None  # bytes of RSS over the whole process tree
    cpu_percent: float | None = None  # 100 is one core
    samples: int = 3
    interval: float = 5.0


@dataclass(frozen=True)
class ProgramSpec:
    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] | None = None  # None: the supervisor's own environment
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    limits: Limits = field(default_factory=Limits)


@dataclass
class Program:
    spec: ProgramSpec
    state: str = STOPPED
    child: Child | None = None
    failures: int = 0  # failures in a row, for the backoff
    restarts: int = 0
    started_at: float = 0.0
    next_start: float = 0.0
    next_sample: float = 0.0
    breaches: int = 0
    last_exit: str | None = None
    last_sample: Sample | None = None
    history: StartHistory = field(init=False)

    def __post_init__(self) -> None:
        self.history = StartHistory(self.spec.restart.start_limit)

    def to_dict(self, now: float) -> dict[str, Any]:
        ident = self.child.ident if self.child and self.state in (RUNNING, STOPPING) else None
        return {
            "name": self.spec.name,
            "state": self.state,
            "pid": ident.pid if ident else None,
            "create_time": ident.create_time if ident else None,
            "restarts": self.restarts,
            "failures": self.failures,
            "last_exit": self.last_exit,
            "next_start_in": round(max(0.0, self.next_start - now), 3)
            if self.state == BACKOFF
            else None,
            "cpu_percent": self.last_sample.cpu_percent if self.last_sample else None,
            "rss": self.last_sample.rss if self.last_sample else None,
        }


class Recorder(Protocol):
    def __call__(self, program: Program, old: str, new: str, reason: str) -> None: ...


def no_record(program: Program, old: str, new: str, reason: str) -> None:
    pass


class Supervisor:
    def __init__(
        self,
        specs: list[ProgramSpec],
        *,
        clock: Clock | None = None,
        record: Recorder = no_record,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.programs = {s.name: Program(s) for s in specs}
        self.clock = clock or MonotonicClock()
        self.record = record
        self.rand = rand

    # the loop -------------------------------------------------------------

    def start_all(self) -> None:
        for program in self.programs.values():
            if program.state in (STOPPED, EXITED, FAILED):
                self._start(program)

    def step(self) -> None:
        now = self.clock.now()
        for program in self.programs.values():
            if program.state == RUNNING:
                self._watch(program, now)
            elif program.state == BACKOFF and now >= program.next_start:
                self._start(program)

    def stop_all(self) -> None:
        """TERM every running program at once, then give each its grace before KILL."""
        stopping = [p for p in self.programs.values() if p.state == RUNNING and p.child]
        for program in stopping:
            self._move(program, STOPPING, "stop requested")
            assert program.child is not None
            program.child.terminate()
        for program in stopping:
            assert program.child is not None
            how = program.child.finish(program.spec.restart.stop_grace)
            program.last_exit = f"{how} on stop"
            self._move(program, STOPPED, how)
        for program in self.programs.values():
            if program.state == BACKOFF:
                self._move(program, STOPPED, "stop requested")

    def run(
        self, stop: threading.Event, tick: float = 0.1, after_step: Callable[[], None] | None = None
    ) -> None:
        """Start every program and supervise until `stop` is set, then stop them all."""
        try:
            self.start_all()
            while not stop.is_set():
                self.step()
                if after_step is not None:
                    after_step()
                stop.wait(tick)
        finally:
            self.stop_all()
            if after_step is not None:
                after_step()

    def snapshot(self) -> list[dict[str, Any]]:
        now = self.clock.now()
        return [p.to_dict(now) for p in self.programs.values()]

    # transitions ------------------------------------------------------------

    def _start(self, program: Program) -> None:
        now = self.clock.now()
        limit = program.spec.restart.start_limit
        if not program.history.allows(now):
            self._move(
                program,
                FATAL,
                f"start limit: more than {limit.burst} starts within {limit.interval:g}s",
            )
            return
        program.history.record(now)
        try:
            program.child = Child(program.spec.argv, program.spec.env, program.spec.log_path)
        except OSError as exc:
            program.child = None
            program.started_at = now
            self._exited(program, f"cannot start: {exc.strerror or exc}", failed=True)
            return
        program.started_at = now
        program.next_sample = now + program.spec.limits.interval
        program.breaches = 0
        program.last_sample = None
        self._move(program, RUNNING, f"started pid {program.child.ident.pid}")

    def _watch(self, program: Program, now: float) -> None:
        child = program.child
        assert child is not None
        code = child.poll()
        if code is not None:
            child.reap_group()  # nothing it started outlives it
            self._exited(program, describe_exit(code), failed=code != 0)
            return
        limits = program.spec.limits
        if now < program.next_sample or (limits.memory is None and limits.cpu_percent is None):
            return
        program.next_sample = now + limits.interval
        sample = program.last_sample = child.sample()
        breach = _breach(sample, limits)
        program.breaches = program.breaches + 1 if breach else 0
        if breach and program.breaches >= limits.samples:
            reason = f"{breach} for {program.breaches} samples in a row"
            self._move(program, STOPPING, reason)
            child.stop(program.spec.restart.stop_grace)
            self._exited(program, reason, failed=True)

    def _exited(self, program: Program, reason: str, *, failed: bool) -> None:
        now = self.clock.now()
        restart = program.spec.restart
        program.last_exit = reason
        if now - program.started_at >= restart.reset_after:
            program.failures = 0  # it ran cleanly long enough: start the backoff afresh
        if failed:
            program.failures += 1
        if not restart.wants_restart(failed):
            self._move(program, FAILED if failed else EXITED, reason)
            return
        delay = restart.backoff.delay(max(program.failures, 1), self.rand)
        program.next_start = now + delay
        program.restarts += 1
        self._move(program, BACKOFF, f"{reason}; restart in {delay:.2f}s")

    def _move(self, program: Program, new: str, reason: str) -> None:
        old, program.state = program.state, new
        log.info("%s: %s -> %s (%s)", program.spec.name, old, new, reason)
        try:
            self.record(program, old, new, reason)
        except Exception:  # recording must never stop supervision
            log.exception("could not record %s -> %s for %s", old, new, program.spec.name)


def _breach(sample: Sample, limits: Limits) -> str | None:
    if limits.memory is not None and sample.rss > limits.memory:
        return f"rss {sample.rss} above {limits.memory} bytes"
    if limits.cpu_percent is not None and sample.cpu_percent > limits.cpu_percent:
        return f"cpu {sample.cpu_percent:.0f}% above {limits.cpu_percent:.0f}%"
    return None
