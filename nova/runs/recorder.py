"""One recorder for every run engine: the run id, phase timings, and where each event goes.

An engine (provisioning, orchestration) tells its recorder when the run
starts, when each phase starts and ends, and when the run ends. The recorder
gives each event its timing and hands it, in order, to the run's sinks: the
engine's tables in the state store, the audit log, the KPIs, a report, the
hub, and the progress display. A sink never has to know which engine is
talking, except through `engine` and the engine's own `result`.

Sinks run in the order given, so a sink that needs what an earlier one wrote
(the report reads the store) comes after it. An exception from a sink is not
caught here: a run whose record cannot be written must not carry on as if it
were.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from nova.audit.log import current_actor
from nova.runs.ids import new_run_id

# A phase that had nothing to do (no roles, no tasks): recorded, never a success.
NOTHING_TO_DO = "nothing-to-do"


@dataclass(frozen=True)
class RunStarted:
    engine: str  # "provision" or "orchestrate": the audit actions and KPIs carry it
    run_id: str
    actor: str
    phases: tuple[str, ...]
    # What the engine's records, the audit entry and the display need; JSON-safe.
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PhaseStarted:
    seq: int
    name: str
    decision_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PhaseFinished:
    seq: int
    name: str
    status: str
    seconds: float
    ran: bool  # false for a phase recorded without running: denied, blocked, nothing to do
    note: str | None = None
    decision_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # JSON-safe, goes to the audit log
    result: Any = None  # the engine's own result, for that engine's sinks


@dataclass(frozen=True)
class RunFinished:
    status: str
    seconds: float
    phases: int  # phases recorded, whatever their outcome
    note: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class RunSink(Protocol):
    def run_started(self, run: RunStarted) -> None: ...
    def phase_started(self, run: RunStarted, phase: PhaseStarted) -> None: ...
    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None: ...
    def run_finished(self, run: RunStarted, end: RunFinished) -> None: ...


class NullSink:
    """A sink that ignores every event; subclass it to hear only some."""

    def run_started(self, run: RunStarted) -> None:
        pass

    def phase_started(self, run: RunStarted, phase: PhaseStarted) -> None:
        pass

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        pass

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        pass


class RunRecorder:
    """The events of one run, timed and handed to every sink in order."""

    def __init__(self, engine: str, sinks: Sequence[RunSink], actor: str | None = None) -> None:
        self.engine = engine
        self.sinks = list(sinks)
        self.actor = actor or current_actor()
        # Known before the run starts: engines name their work folders after it.
        self.run_id = new_run_id()
        self._run: RunStarted | None = None
        self._started = 0.0
        self._phase_started: dict[int, float] = {}
        self._phases = 0

    @property
    def run(self) -> RunStarted:
        if self._run is None:
            raise RuntimeError("the run has not started")
        return self._run

    def start(self, phases: Sequence[str], **details: Any) -> RunStarted:
        self._run = RunStarted(self.engine, self.run_id, self.actor, tuple(phases), details)
        self._started = time.monotonic()
        for sink in self.sinks:
            sink.run_started(self._run)
        return self._run

    def phase_started(
        self, seq: int, name: str, decision_id: str | None = None, **details: Any
    ) -> PhaseStarted:
        run = self.run
        event = PhaseStarted(seq, name, decision_id, details)
        self._phase_started[seq] = time.monotonic()
        for sink in self.sinks:
            sink.phase_started(run, event)
        return event

    def phase_finished(
        self,
        seq: int,
        name: str,
        status: str,
        *,
        note: str | None = None,
        decision_id: str | None = None,
        result: Any = None,
        **details: Any,
    ) -> PhaseFinished:
        run = self.run
        began = self._phase_started.pop(seq, None)
        seconds = 0.0 if began is None else time.monotonic() - began
        event = PhaseFinished(
            seq, name, status, seconds, began is not None, note, decision_id, details, result
        )
        self._phases += 1
        for sink in self.sinks:
            sink.phase_finished(run, event)
        return event

    def finish(self, status: str, note: str | None = None, **details: Any) -> RunFinished:
        run = self.run
        end = RunFinished(status, time.monotonic() - self._started, self._phases, note, details)
        for sink in self.sinks:
            sink.run_finished(run, end)
        return end
