"""A cancelled task ends the playbook it started, not only the worker's thread.

ansible-runner starts ansible-playbook in a session of its own (on a pty), out
of reach of a signal to the worker's process group. Without the cancel hook a
timed-out or cancelled task would leave its playbook running on the hosts,
holding their package locks. The playbook here runs a real `sleep` on the
local machine, whose process is looked for by its unusual argument.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import wait_for

from nova.ansible.runner import PlaybookResult, run_playbook
from nova.queue.client import Spec
from nova.queue.worker import Job, Worker

# Seconds the playbook's task sleeps, unique to this test process: how its
# `sleep` is found, and never mistaken for another run's.
MARK = f"317.{os.getpid()}"


def sleeping() -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if proc.info["cmdline"] == ["sleep", MARK]:
            found.append(proc)
    return found


@pytest.fixture
def long_playbook(tmp_path: Path) -> tuple[Path, Path]:
    playbook = tmp_path / "long.yml"
    playbook.write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        f"    - ansible.builtin.command: sleep {MARK}\n      changed_when: false\n",
        encoding="utf-8",
    )
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n",
        encoding="utf-8",
    )
    assert not sleeping(), "a sleep from an earlier run is still there"
    return playbook, inventory


def run_long(paths: tuple[Path, Path], run_dir: Path, cancelled: threading.Event) -> PlaybookResult:
    playbook, inventory = paths
    return run_playbook(playbook, [inventory], run_dir, cancelled=cancelled)


def test_setting_cancelled_kills_the_running_playbook(
    long_playbook: tuple[Path, Path], tmp_path: Path
) -> None:
    cancelled = threading.Event()
    results: list[PlaybookResult] = []
    thread = threading.Thread(
        target=lambda: results.append(run_long(long_playbook, tmp_path / "run", cancelled)),
        daemon=True,
    )
    thread.start()
    wait_for(sleeping, timeout=60, step=0.2)
    cancelled.set()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert results[0].status == "canceled" and not results[0].succeeded
    assert wait_for(lambda: not sleeping(), timeout=10)


@pytest.mark.parametrize("how", ["cancel the task", "cold stop of the worker"])
def test_a_worker_ends_the_playbook_of_a_task_it_gives_up(
    make_server: Any, long_playbook: tuple[Path, Path], tmp_path: Path, how: str
) -> None:
    _, client = make_server(lease_seconds=30.0)

    def handler(job: Job) -> bytes:
        result = run_long(long_playbook, tmp_path / job.attempt_id, job.cancelled)
        return result.status.encode()

    worker = Worker(client, {"long": handler}, slots=1, worker_id="w-cancel")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        (task,) = client.enqueue_many([Spec("long")])
        wait_for(sleeping, timeout=60, step=0.2)
        if how == "cancel the task":
            assert client.cancel(task.task_id) == (True, "leased")
        else:
            stop.set()
            worker.cancel_running()
            thread.join(timeout=30)
            assert not thread.is_alive()
        assert wait_for(lambda: not sleeping(), timeout=15)
        assert client.get(task.task_id).state.value != "succeeded"
    finally:
        stop.set()
        thread.join(timeout=30)
