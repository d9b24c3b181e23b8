"""Test catalogues and the timing records of the handlers in timed_handlers.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from nova.orchestrate.catalogue import Catalogue
from nova.orchestrate.workers import HandlerWorkers

MakeCatalogue = Callable[[list[dict[str, object]]], Catalogue]


def task(
    id: str, agent: str = "nova", phase: str = "foundation", **extra: object
) -> dict[str, object]:
    return {"id": id, "title": id, "agent": agent, "phase": phase, "skill": f"t.{id}", **extra}


def workers(catalogue: Catalogue, special: dict[str, str] | None = None) -> HandlerWorkers:
    """Every task sleeps and records its times, except those given another handler."""
    handlers = {t.skill: "timed_handlers:timed" for t in catalogue.tasks}
    for task_id, handler in (special or {}).items():
        handlers[catalogue.by_id[task_id].skill] = f"timed_handlers:{handler}"
    return HandlerWorkers(handlers)


def read_times(path: Path) -> list[dict[str, float]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def max_overlap(times: list[dict[str, float]]) -> int:
    """The most tasks running at one instant, from their recorded start and end."""
    events = sorted([(t["start"], 1) for t in times] + [(t["end"], -1) for t in times])
    running = peak = 0
    for _, step in events:  # at equal times an end (-1) sorts before a start (+1)
        running += step
        peak = max(peak, running)
    return peak
