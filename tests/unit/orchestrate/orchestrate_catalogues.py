"""Catalogue entries for tests: a task in the shipped plan's phases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

WriteCatalogue = Callable[[list[dict[str, object]]], Path]


def task(
    id: str, agent: str = "nova", phase: str = "foundation", **extra: object
) -> dict[str, object]:
    return {
        "id": id,
        "title": id.title(),
        "agent": agent,
        "phase": phase,
        "skill": f"s.{id}",
        **extra,
    }
