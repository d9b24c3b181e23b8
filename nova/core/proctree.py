"""Ending a process together with everything it started.

Ansible's forks call setsid() and ansible-runner starts ansible-playbook on a
pty in a session of its own, so a process-group signal misses most of a
playbook run. These helpers walk the process tree instead.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterable

import psutil


def kill_trees(roots: Iterable[psutil.Process]) -> None:
    """SIGKILL each root and all its descendants, found before any is killed."""
    doomed: dict[int, psutil.Process] = {}
    for root in roots:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            doomed.update((c.pid, c) for c in root.children(recursive=True))
            doomed[root.pid] = root
    for proc in doomed.values():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            proc.send_signal(signal.SIGKILL)


def kill_tree(pid: int) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        kill_trees([psutil.Process(pid)])


def descendants_with_env(name: str, value: str) -> list[psutil.Process]:
    """This process's descendants whose environment has `name` set to `value`."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            if proc.environ().get(name) == value:
                found.append(proc)
    return found
