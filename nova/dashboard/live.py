"""A run's task events as they arrive, for the run page's server-sent events.

The source is ansible-runner's own event files, NOVA_HOME/runs/<run>/<seq>-<phase>/
artifacts/<ident>/job_events/<counter>-<uuid>.json. Whatever process runs the
playbook (`nova provision`, a queue worker, the dashboard) writes them, so a run
started anywhere is followed without any change to the engines; the runner
writes each file under a temporary name and renames it, so a listed file is
complete. Each event is reduced by `map_event`, as the CLI's progress display
does, to host, task, status and a one-line message: the raw result never
reaches a page.

One feed per run scans the folder (one scan for all of its clients) and fans
the events out to bounded per-client queues. A client that falls behind gets
its stream closed with nothing lost: the browser reconnects with the id of the
last event it had, and the feed, which keeps the run's events while anyone
watches, sends it the rest. A client that leaves frees its queue; the last one
to leave stops the feed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova.ansible.runner import TaskResult, TaskStarted, map_event

EVENT_FILE = re.compile(r"^(\d{1,9})-[0-9a-f-]{1,64}\.json\Z")
PHASE_DIR = re.compile(r"^\d{2}-[a-z0-9_-]{1,40}\Z")
EVENT_ID = re.compile(r"^(\d{2}-[a-z0-9_-]{1,40})\.(\d{1,9})\Z")
log = logging.getLogger(__name__)
QUEUE_SIZE = 1000
SCAN_SECONDS = 0.2
HEARTBEAT_SECONDS = 15.0

EventKey = tuple[str, int]  # (phase folder, the runner's counter): the order of a run's events


@dataclass(frozen=True)
class LiveEvent:
    key: EventKey
    data: dict[str, str]

    @property
    def id(self) -> str:
        return f"{self.key[0]}.{self.key[1]}"

    def sse(self) -> str:
        return f"id: {self.id}\nevent: task\ndata: {json.dumps(self.data)}\n\n"


def parse_event_id(raw: str | None) -> EventKey | None:
    """The key in a Last-Event-ID header, or None for a missing or malformed one."""
    match = EVENT_ID.match(raw or "")
    return (match.group(1), int(match.group(2))) if match else None


def scan(run_dir: Path, seen: set[str]) -> list[LiveEvent]:
    """The events of `run_dir` not in `seen` (which it extends), in run order."""
    found: list[tuple[EventKey, Path]] = []
    if not run_dir.is_dir():
        return []
    for phase in sorted(p for p in run_dir.iterdir() if PHASE_DIR.match(p.name)):
        for folder in sorted((phase / "artifacts").glob("*/job_events")):
            with os.scandir(folder) as entries:
                for entry in entries:
                    match = EVENT_FILE.match(entry.name)
                    if match and entry.path not in seen:
                        found.append(((phase.name, int(match.group(1))), Path(entry.path)))
    events = []
    for key, path in sorted(found):
        seen.add(str(path))
        event = _read(key, path)
        if event is not None:
            events.append(event)
    return events


def _read(key: EventKey, path: Path) -> LiveEvent | None:
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    typed = map_event(raw) if isinstance(raw, dict) else None
    phase = key[0].split("-", 1)[1]
    if isinstance(typed, TaskStarted):
        return LiveEvent(key, {"phase": phase, "kind": "task", "task": typed.task})
    if isinstance(typed, TaskResult):
        data = {"phase": phase, "kind": "result", "host": typed.host, "task": typed.task}
        return LiveEvent(key, {**data, "status": typed.status, "message": typed.message})
    return None


class _End:
    """The run has finished: nothing more will come."""


class _Lagged:
    """The client fell behind: its stream ends, and it reconnects from its last event."""


END = _End()
LAGGED = _Lagged()
Item = LiveEvent | _End | _Lagged


@dataclass(eq=False)
class Subscription:
    """One client's queue: the backlog it joined with, then at most `limit` events more."""

    limit: int = QUEUE_SIZE
    after: EventKey | None = None  # the last event the client had, when it reconnected
    queue: asyncio.Queue[Item] = field(default_factory=asyncio.Queue)

    def offer(self, item: Item) -> bool:
        """Queue `item`; False (and the queue left holding only LAGGED) when it is full."""
        if isinstance(item, LiveEvent) and self.after is not None and item.key <= self.after:
            return True
        if self.queue.qsize() >= self.limit:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(LAGGED)
            return False
        self.queue.put_nowait(item)
        return True


class RunFeed:
    """One run's events, scanned once for every client that follows it."""

    def __init__(
        self, run_dir: Path, running: Callable[[], bool], interval: float = SCAN_SECONDS
    ) -> None:
        self.run_dir = run_dir
        self.running = running
        self.interval = interval
        self.events: list[LiveEvent] = []
        self.clients: set[Subscription] = set()
        self.done = False
        self.task: asyncio.Task[None] | None = None

    def subscribe(self, after: EventKey | None) -> Subscription:
        sub = Subscription(after=after)
        # No await between the backlog and joining the clients: no event falls in between.
        for event in self.events:
            if after is None or event.key > after:
                sub.queue.put_nowait(event)
        if self.done:
            sub.queue.put_nowait(END)
        else:
            self.clients.add(sub)
        sub.limit += sub.queue.qsize()  # the backlog is the feed's memory, not a lag
        if self.task is None and not self.done:
            self.task = asyncio.get_running_loop().create_task(self._follow())
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self.clients.discard(sub)

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None

    async def _follow(self) -> None:
        seen: set[str] = set()
        while True:
            # Asked before the scan, so the last scan sees every event of a finished run.
            running = await asyncio.to_thread(self.running)
            try:
                found = await asyncio.to_thread(scan, self.run_dir, seen)
            except OSError as exc:
                # A folder removed or unreadable for a moment: the next scan tries again.
                log.warning("cannot read the events of %s: %s", self.run_dir, exc)
                found = []
            for event in found:
                self.events.append(event)
                self._publish(event)
            if not running:
                self.done = True
                self._publish(END)
                self.clients.clear()
                return
            await asyncio.sleep(self.interval)

    def _publish(self, item: Item) -> None:
        for sub in list(self.clients):
            if not sub.offer(item):
                self.clients.discard(sub)


class Feeds:
    """The feeds of the runs someone is following; a feed without clients is dropped."""

    def __init__(self, make: Callable[[str], RunFeed]) -> None:
        self.make = make
        self.feeds: dict[str, RunFeed] = {}

    def subscribe(self, run_id: str, after: EventKey | None) -> tuple[RunFeed, Subscription]:
        feed = self.feeds.get(run_id)
        if feed is None:
            feed = self.feeds[run_id] = self.make(run_id)
        return feed, feed.subscribe(after)

    def unsubscribe(self, run_id: str, feed: RunFeed, sub: Subscription) -> None:
        feed.unsubscribe(sub)
        if not feed.clients and self.feeds.get(run_id) is feed:
            feed.stop()
            del self.feeds[run_id]

    @property
    def clients(self) -> int:
        return sum(len(f.clients) for f in self.feeds.values())
