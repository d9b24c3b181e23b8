"""The event stream over a real uvicorn server: 20 followers in time, and a leaver freed.

The run is recorded as the CLI records it; its events are files written as
ansible-runner writes them (a .tmp renamed into place) while the clients
follow.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from nova.core.paths import runs_dir
from nova.dashboard.app import create_app
from nova.provisioning.records import StateStoreSink
from nova.runs.recorder import RunRecorder
from nova.runs.state import StateStore

FOLLOWERS = 20


def wait_for(check: Callable[[], object], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


@pytest.fixture
def served(nova_home: Path) -> Iterator[tuple[Starlette, str]]:
    app = create_app()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: server.started)
    yield app, f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def write_event(folder: Path, counter: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = {"event": "playbook_on_task_start", "event_data": {"task": f"task {counter}"}}
    path = folder / f"{counter}-{uuid.uuid4()}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body))
    tmp.rename(path)


def start_run() -> RunRecorder:
    recorder = RunRecorder("provision", [StateStoreSink(StateStore())])
    recorder.start(["foundation"], inventory="local", limit=None, check_mode=True)
    return recorder


def test_twenty_followers_each_see_every_event_in_order(
    served: tuple[Starlette, str],
) -> None:
    app, base = served
    recorder = start_run()
    folder = runs_dir() / recorder.run_id / "01-foundation" / "artifacts" / "a" / "job_events"
    received: list[dict[str, float]] = [{} for _ in range(FOLLOWERS)]

    def follow(n: int) -> None:
        with httpx.stream("GET", f"{base}/runs/{recorder.run_id}/events", timeout=30) as answer:
            for line in answer.iter_lines():
                if line.startswith("id: "):
                    received[n][line[4:]] = time.monotonic()
                if line.startswith("event: end"):
                    return

    followers = [threading.Thread(target=follow, args=(n,)) for n in range(FOLLOWERS)]
    for thread in followers:
        thread.start()
    wait_for(lambda: app.state.feeds.clients == FOLLOWERS)
    written: dict[str, float] = {}
    for counter in range(1, 11):
        write_event(folder, counter)
        written[f"01-foundation.{counter}"] = time.monotonic()
        time.sleep(0.1)
    recorder.finish("successful")
    for thread in followers:
        thread.join(30)
    # How soon they see it is measured in bench/dashboard_bench.py, not asserted
    # here: this tier shares the machine with the container tiers.
    order = sorted(written, key=written.__getitem__)
    for seen in received:
        assert set(seen) == set(written)
        assert sorted(seen, key=seen.__getitem__) == order


def test_a_follower_that_disconnects_is_freed(served: tuple[Starlette, str]) -> None:
    app, base = served
    recorder = start_run()
    with httpx.stream("GET", f"{base}/runs/{recorder.run_id}/events", timeout=30) as answer:
        assert next(answer.iter_lines()).startswith("retry:")
        wait_for(lambda: app.state.feeds.clients == 1)
    # The connection is closed mid-run: its queue and the run's feed go.
    wait_for(lambda: app.state.feeds.feeds == {})
    recorder.finish("successful")
