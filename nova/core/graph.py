"""Deterministic dependency ordering, shared by the phase plan and the task catalogue."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from nova.core.errors import InputError

T = TypeVar("T")


def dependency_order(
    items: Sequence[T],
    name: Callable[[T], str],
    depends_on: Callable[[T], Iterable[str]],
    source: Path | str,
) -> list[T]:
    """Kahn's algorithm, taking ready items in the order given.

    Dependencies on names outside `items` count as already met; a cycle is an
    InputError naming `source` and the items caught in it.
    """
    inside = {name(item) for item in items}
    remaining = {name(item): {d for d in depends_on(item) if d in inside} for item in items}
    ordered: list[T] = []
    while remaining:
        ready = [item for item in items if name(item) in remaining and not remaining[name(item)]]
        if not ready:
            cycle = " -> ".join(sorted(remaining))
            raise InputError(source, "depends_on", f"dependency cycle among: {cycle}")
        chosen = ready[0]
        ordered.append(chosen)
        del remaining[name(chosen)]
        for deps in remaining.values():
            deps.discard(name(chosen))
    return ordered
