"""A run's live events: read from the runner's event files, in order, bounded per client.

The files are written as ansible-runner writes them (counter-uuid.json, renamed
from a .tmp), for a run recorded in the state store as the CLI records it. A
real playbook's events reaching a real browser are in
tests/integration/dashboard/.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from nova.core.paths import runs_dir
from nova.dashboard.app import create_app
from nova.dashboard.live import (
    END,
    LAGGED,
    Feeds,
    LiveEvent,
    RunFeed,
    Subscription,
    parse_event_id,
    scan,
)
from nova.provisioning.records import StateStoreSink
from nova.runs.recorder import RunRecorder
from nova.runs.state import StateStore

SECRET = "hunter2-must-not-show"


def write_event(folder: Path, counter: int, event: str, **data: Any) -> Path:
    """One event file, the way ansible-runner writes it: a .tmp renamed into place."""
    folder.mkdir(parents=True, exist_ok=True)
    body = {"event": event, "counter": counter, "event_data": data}
    path = folder / f"{counter}-{uuid.uuid4()}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body))
    tmp.rename(path)
    return path


def events_dir(run_id: str, phase: str = "01-foundation") -> Path:
    return runs_dir() / run_id / phase / "artifacts" / "ident" / "job_events"


def start_run() -> RunRecorder:
    recorder = RunRecorder("provision", [StateStoreSink(StateStore())])
    recorder.start(["foundation"], inventory="local", limit=None, check_mode=True)
    return recorder


def test_events_come_in_run_order_reduced_to_what_a_page_may_show(nova_home: Path) -> None:
    run_dir = nova_home / "runs" / "r1"
    first = run_dir / "01-foundation" / "artifacts" / "a" / "job_events"
    second = run_dir / "02-data_services" / "artifacts" / "b" / "job_events"
    write_event(second, 1, "playbook_on_task_start", task="later phase")
    write_event(first, 10, "runner_on_ok", host="n1", task="t", res={"changed": True})
    write_event(first, 2, "playbook_on_task_start", task="t")
    write_event(first, 11, "runner_on_failed", host="n2", task="t", res={"msg": "no", "pw": SECRET})
    write_event(first, 12, "runner_on_ok", host="n3", task="t", res={"stdout": SECRET})
    write_event(first, 3, "verbose")  # shown by nobody
    (first / "99-abc.json.tmp").write_text("{half")  # not renamed yet: not an event
    (first / f"{uuid.uuid4()}-partial.json").write_text("{}")
    (first / "13-ffff.json").write_text("not json")

    seen: set[str] = set()
    events = scan(run_dir, seen)
    assert [e.id for e in events] == [
        "01-foundation.2",
        "01-foundation.10",
        "01-foundation.11",
        "01-foundation.12",
        "02-data_services.1",
    ]
    assert events[1].data == {
        "phase": "foundation",
        "kind": "result",
        "host": "n1",
        "task": "t",
        "status": "changed",
        "message": "",
    }
    assert events[2].data["status"] == "failed" and events[2].data["message"] == "no"
    assert SECRET not in json.dumps([e.data for e in events])
    assert scan(run_dir, seen) == []  # nothing twice
    write_event(first, 14, "runner_on_skipped", host="n1", task="u")
    assert [e.id for e in scan(run_dir, seen)] == ["01-foundation.14"]


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("01-foundation.12", ("01-foundation", 12)),
        (None, None),
        ("", None),
        ("01-foundation.-1", None),
        ("../../etc.1", None),
        ("01-foundation.1\n", None),
        ("01-foundation." + "9" * 50, None),
        ("<script>.1", None),
    ],
)
def test_a_last_event_id_is_taken_only_when_well_formed(
    raw: str | None, key: tuple[str, int] | None
) -> None:
    assert parse_event_id(raw) == key


def test_a_client_that_falls_behind_is_told_to_reconnect_not_queued_forever() -> None:
    async def check() -> None:
        sub = Subscription(limit=3)
        events = [LiveEvent(("01-x", n), {}) for n in range(3)]
        assert all(sub.offer(e) for e in events)
        assert not sub.offer(LiveEvent(("01-x", 3), {}))
        assert sub.queue.qsize() == 1 and sub.queue.get_nowait() is LAGGED

    asyncio.run(check())


def test_a_client_that_leaves_frees_its_queue_and_the_last_stops_the_feed(
    nova_home: Path,
) -> None:
    async def check() -> None:
        feeds = Feeds(lambda run_id: RunFeed(nova_home / run_id, lambda: True, 0.01))
        feed, one = feeds.subscribe("r1", None)
        _, two = feeds.subscribe("r1", None)
        assert feeds.clients == 2 and feed.task is not None
        feeds.unsubscribe("r1", feed, one)
        assert feeds.clients == 1 and not feed.task.done()
        task = feed.task
        feeds.unsubscribe("r1", feed, two)
        await asyncio.sleep(0.05)
        assert feeds.feeds == {} and task.cancelled()

    asyncio.run(check())


def test_a_feed_sends_the_backlog_after_the_last_event_id_then_the_end(nova_home: Path) -> None:
    async def check() -> None:
        folder = nova_home / "r1" / "01-foundation" / "artifacts" / "a" / "job_events"
        for n in (1, 2, 3):
            write_event(folder, n, "playbook_on_task_start", task=f"t{n}")
        feed = RunFeed(nova_home / "r1", lambda: False, 0.01)
        first = feed.subscribe(None)
        assert feed.task is not None
        await feed.task
        later = feed.subscribe(("01-foundation", 1))
        items = [later.queue.get_nowait() for _ in range(later.queue.qsize())]
        assert [i.id if isinstance(i, LiveEvent) else i for i in items] == [
            "01-foundation.2",
            "01-foundation.3",
            END,
        ]
        assert first.queue.qsize() == 4 and feed.clients == set()

    asyncio.run(check())


def test_the_stream_follows_a_recorded_run_until_it_finishes(nova_home: Path) -> None:
    recorder = start_run()
    run_id = recorder.run_id
    folder = events_dir(run_id)
    write_event(folder, 1, "playbook_on_task_start", task="Install <b>packages</b>")

    def the_run_goes_on() -> None:
        threading.Event().wait(0.5)
        write_event(folder, 2, "runner_on_ok", host="localhost", task="Install <b>packages</b>")
        threading.Event().wait(0.5)
        recorder.finish("successful")

    writer = threading.Thread(target=the_run_goes_on)
    writer.start()
    client = TestClient(create_app())
    page = client.get(f"/runs/{run_id}")
    assert 'id="live-events"' in page.text and "/static/live.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    answer = client.get(f"/runs/{run_id}/events")
    writer.join()
    assert answer.headers["content-type"].startswith("text/event-stream")
    blocks = [b for b in answer.text.split("\n\n") if b.startswith("id:")]
    assert [b.splitlines()[0] for b in blocks] == ["id: 01-foundation.1", "id: 01-foundation.2"]
    assert '"status": "ok"' in blocks[1]
    assert answer.text.endswith('event: end\ndata: {"status": "successful", "phases": []}\n\n')
    assert client.app.state.feeds.feeds == {}  # type: ignore[attr-defined]

    resumed = client.get(f"/runs/{run_id}/events", headers={"Last-Event-ID": "01-foundation.1"})
    assert "id: 01-foundation.1\n" not in resumed.text and "id: 01-foundation.2\n" in resumed.text
    finished = client.get(f"/runs/{run_id}")
    assert 'id="live-events"' not in finished.text  # a finished run's page is complete as is


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/runs/nosuch-run-000000/events", {}, 404),
        ("/runs/..%2F..%2Fetc/events", {}, 404),
        ("/runs/" + "a" * 200 + "/events", {}, 404),
        ("/runs/RUN/events", {}, 404),
        ("/static/../../etc/passwd", {}, 404),
        ("/static/live.js?x=<script>", {}, 200),
    ],
)
def test_hostile_stream_requests_get_a_clean_answer(
    nova_home: Path, path: str, headers: dict[str, str], status: int
) -> None:
    answer = TestClient(create_app()).get(path, headers=headers)
    assert answer.status_code == status
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    "last_event_id",
    ["garbage", "../..", "01-foundation.999999999999", "\u00e9.1".encode(), "x" * 5000],
)
def test_a_hostile_last_event_id_replays_from_the_start(
    nova_home: Path, last_event_id: str | bytes
) -> None:
    recorder = start_run()
    write_event(events_dir(recorder.run_id), 1, "playbook_on_task_start", task="t")
    recorder.finish("successful")
    answer = TestClient(create_app()).get(
        f"/runs/{recorder.run_id}/events", headers={"Last-Event-ID": last_event_id}
    )
    assert answer.status_code == 200
    assert "id: 01-foundation.1\n" in answer.text and "event: end" in answer.text
