"""Which catalogue tasks cannot run here, and why, before anything is run.

`nova orchestrate` hands each task to its agent's worker, which runs the
agent's blueprint (`nova worker --blueprint AGENT`): a task can run only when
that blueprint loads, offers the task's skill, and the skill's handler is
available on this machine (the role is in this checkout, the tool installed,
the hardware present). A task that cannot run is never suggested as a next
step; the reason is the one the worker itself would give.
"""

from __future__ import annotations

from nova.agents.blueprints.catalogue import load
from nova.agents.blueprints.model import Blueprint
from nova.core.errors import NovaError
from nova.orchestrate.catalogue import Catalogue


def not_runnable_here(catalogue: Catalogue) -> dict[str, str]:
    """Task id -> why its agent's worker cannot run it here; runnable tasks are absent."""
    blueprints: dict[str, Blueprint | str] = {}
    reasons: dict[str, str] = {}
    for task in catalogue.tasks:
        if task.agent not in blueprints:
            blueprints[task.agent] = _blueprint(task.agent)
        blueprint = blueprints[task.agent]
        if isinstance(blueprint, str):
            reasons[task.id] = blueprint
        elif task.skill not in blueprint.skills:
            reasons[task.id] = f"blueprint '{task.agent}' does not offer skill '{task.skill}'"
        else:
            why = blueprint.handler(task.skill).available()
            if why is not None:
                reasons[task.id] = why
    return reasons


def _blueprint(agent: str) -> Blueprint | str:
    """The agent's blueprint, or why it cannot be loaded."""
    try:
        return load(agent)
    except NovaError as exc:
        return f"blueprint '{agent}' cannot be loaded: {exc}"
