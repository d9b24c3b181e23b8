"""What happened to a catalogue task, read from the queue's record of it.

Only a task its worker acknowledged counts as done, and only when it ran for
real: a success in check mode is `checked`. A handler that cannot run here
fails the task with an error starting `not runnable here: `, which is kept
apart from real failures.
"""

from __future__ import annotations

import enum
import json
from typing import Any

from nova.queue.model import State, Task

NOT_RUNNABLE_PREFIX = "not runnable here: "


class TaskState(enum.StrEnum):
    PENDING = "pending"  # never run
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CHECKED = "checked"  # succeeded in check mode: nothing was changed
    FAILED = "failed"
    NOT_RUNNABLE = "not-runnable"
    BLOCKED = "blocked"  # a task it depends on did not complete
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # its orchestrator died before the task settled


SETTLED = frozenset(
    {
        TaskState.DONE,
        TaskState.CHECKED,
        TaskState.FAILED,
        TaskState.NOT_RUNNABLE,
        TaskState.BLOCKED,
        TaskState.CANCELLED,
        TaskState.INTERRUPTED,
    }
)
# Outcomes that let the tasks depending on it go ahead within the same run.
COMPLETED = frozenset({TaskState.DONE, TaskState.CHECKED})
ACTIVE = frozenset({TaskState.QUEUED, TaskState.RUNNING})


def state_of(task: Task, check_mode: bool) -> TaskState:
    if task.state is State.SUCCEEDED:
        return TaskState.CHECKED if check_mode or ran_in_check_mode(task.result) else TaskState.DONE
    if task.state is State.DEAD:
        if task.error.startswith(NOT_RUNNABLE_PREFIX):
            return TaskState.NOT_RUNNABLE
        return TaskState.FAILED
    if task.state is State.CANCELLED:
        return TaskState.CANCELLED
    if task.state is State.LEASED:
        return TaskState.RUNNING
    return TaskState.QUEUED


def ran_in_check_mode(result: bytes) -> bool:
    """A handler that fell back to check mode says so in its result."""
    document = parse_result(result)
    return isinstance(document, dict) and bool(document.get("check") or document.get("check_mode"))


def parse_result(result: bytes) -> Any:
    if not result:
        return None
    try:
        return json.loads(result)
    except (ValueError, UnicodeDecodeError):
        return result.decode("utf-8", "replace")
