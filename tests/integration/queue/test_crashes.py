"""Crash tests with real processes: SIGKILLed workers, SIGKILLed servers and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from conftest import RedisServer, free_port, wait_for

from nova.queue.client import QueueClient, Spec
from nova.queue.worker import Job, Worker

ROOT = Path(__file__).resolve().parents[3]
HEARTBEAT_TIMEOUT = 0.8


class Proc:
    """A nova command in its own process, killed at teardown if still running."""

    def __init__(self, module: str, attr: str, args: list[str], log: Path) -> None:
        code = f"from {module} import {attr}; {attr}()"
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, *args], cwd=ROOT, stdout=self.log, stderr=self.log
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for p in started:
        p.kill()


def serve(
    procs: list[Proc], tmp: Path, port: int, storage_args: list[str],
    liveness: tuple[float, float, float] = (1.0, 0.2, HEARTBEAT_TIMEOUT),
) -> QueueClient:  # fmt: skip
    """Start `nova queue serve`; liveness is (lease, heartbeat interval, heartbeat timeout)."""
    lease, interval, timeout = liveness
    port_file = tmp / f"port-{len(procs)}"
    args = [
        "serve", "--port", str(port), "--port-file", str(port_file), "--lease", str(lease),
        "--heartbeat-interval", str(interval), "--heartbeat-timeout", str(timeout),
        "--reap-interval", "0.05", *storage_args,
    ]  # fmt: skip
    procs.append(Proc("nova.cli.queue", "queue", args, tmp / "serve.log"))
    wait_for(port_file.exists, timeout=15)
    client = QueueClient(f"127.0.0.1:{port}", timeout=5.0)
    client.wait_ready(timeout=10)
    return client


def test_sigkilled_worker_task_is_redelivered_within_twice_the_heartbeat_timeout(
    tmp_path: Path, procs: list[Proc]
) -> None:
    port = free_port()
    client = serve(procs, tmp_path, port, ["--db", str(tmp_path / "q.db")])
    worker = Proc(
        "nova.cli.worker", "worker",
        ["--server", f"127.0.0.1:{port}", "--worker-id", "doomed", "--slots", "1"],
        tmp_path / "worker.log",
    )  # fmt: skip
    procs.append(worker)
    (task,) = client.enqueue_many([Spec("nova.sleep", payload=b"60")])
    wait_for(lambda: client.get(task.task_id).worker_id == "doomed", timeout=15)
    time.sleep(0.5)  # mid-task, with heartbeats flowing
    worker.kill()
    killed = time.monotonic()
    (claim,) = wait_for(lambda: client.dequeue("rescuer", max_tasks=1), timeout=5, step=0.01)
    elapsed = time.monotonic() - killed
    assert claim.task.id == task.task_id and claim.task.attempts == 2
    assert elapsed <= 2 * HEARTBEAT_TIMEOUT, f"redelivered after {elapsed:.2f}s"
    client.close()


def leased_now(storage_args: list[str], tmp: Path) -> int:
    """Tasks leased in storage right after the kill: the in-flight bound for duplicates."""
    if "--db" in storage_args:
        from nova.queue.storage.sqlite import SqliteStorage

        store: Any = SqliteStorage(Path(storage_args[storage_args.index("--db") + 1]))
    else:
        from nova.queue.storage.redis import RedisStorage

        store = RedisStorage.connect(storage_args[storage_args.index("--redis") + 1])
    try:
        return int(store.counts(now=time.time())["leased"])
    finally:
        store.close()


# Liveness for the server-kill test: a worker is declared dead only when it
# really stops, never because a loaded CI machine delayed one heartbeat by a
# second, which would redeliver tasks no crash put in doubt.
RELAXED = (5.0, 0.5, 4.0)


@pytest.mark.parametrize("backend", ["sqlite-durable", "redis-aof"])
def test_server_sigkill_under_load_loses_no_acknowledged_enqueue(
    backend: str, tmp_path: Path, procs: list[Proc]
) -> None:
    redis: RedisServer | None = None
    if backend == "redis-aof":
        redis = RedisServer(tmp_path / "redis")
        redis.start()
        storage_args = ["--redis", redis.url]
    else:
        storage_args = ["--db", str(tmp_path / "q.db"), "--durable"]
    port = free_port()
    target = f"127.0.0.1:{port}"
    # Daemon threads, stopped in `finally`: a failed assertion never leaves a
    # worker reconnecting to a dead server and keeping pytest from exiting.
    stop = threading.Event()
    threads: list[threading.Thread] = []  # the worker first
    try:
        client = serve(procs, tmp_path, port, storage_args, RELAXED)
        runs: Counter[str] = Counter()
        runs_lock = threading.Lock()
        acknowledged: set[str] = set()

        def handler(job: Job) -> bytes:
            with runs_lock:
                runs[job.task.id] += 1
            time.sleep(0.002)
            return b""

        def produce() -> None:
            producer = QueueClient(target, timeout=2.0)
            for batch in range(60):
                specs = [Spec("work", idempotency_key=f"b{batch}-{i}") for i in range(20)]
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    try:
                        acknowledged.update(r.task_id for r in producer.enqueue_many(specs))
                        break
                    except grpc.RpcError:
                        time.sleep(0.1)  # server down: retry the same keys
                time.sleep(0.01)
            producer.close()

        worker = Worker(QueueClient(target, timeout=2.0), {"work": handler}, slots=8)
        threads += [
            threading.Thread(target=worker.run, args=(stop,), daemon=True),
            threading.Thread(target=produce, daemon=True),
        ]
        for t in threads:
            t.start()
        wait_for(lambda: len(acknowledged) >= 400 and sum(runs.values()) >= 100, timeout=90)
        procs[-1].kill()  # the server, mid-load
        if redis is not None:
            redis.kill()
            redis.start()  # same folder: replays the AOF
        in_flight = leased_now(storage_args, tmp_path)
        client = serve(procs, tmp_path, port, storage_args, RELAXED)
        threads[1].join(timeout=180)
        assert len(acknowledged) == 1200

        # Deliveries the crash lost stay leased until their lease runs out
        # (the worker's heartbeats name only what it holds); then the same
        # worker gets them again.
        def settled() -> bool:
            s = client.stats()
            return s.depth == 0 and s.states["succeeded"] == len(acknowledged)

        wait_for(settled, timeout=90, step=0.1)
        for task_id in acknowledged:
            assert client.get(task_id).state.value == "succeeded"
        duplicates = sum(n - 1 for n in runs.values() if n > 1)
        assert set(runs) == acknowledged
        assert duplicates <= in_flight, f"{duplicates} duplicates, {in_flight} in flight"
        client.close()
    finally:
        stop.set()
        if threads:
            threads[0].join(timeout=30)
        if redis is not None:
            redis.stop()


def test_sqlite_file_shared_by_two_processes_never_double_claims(tmp_path: Path) -> None:
    """Two OS processes claim from one SQLite file at once; each task goes to one of them."""
    from nova.queue.model import NewTask
    from nova.queue.storage.sqlite import SqliteStorage

    db = tmp_path / "shared.db"
    store = SqliteStorage(db)
    store.enqueue([NewTask("t") for _ in range(400)], now=time.time(), dedup_window=60,
                  max_depth=10_000)  # fmt: skip
    store.close()
    go = tmp_path / "go"
    code = (
        "import sys, time, uuid\n"
        "from pathlib import Path\n"
        "from nova.queue.storage.sqlite import SqliteStorage\n"
        "s = SqliteStorage(Path(sys.argv[1]))\n"
        "while not Path(sys.argv[3]).exists(): time.sleep(0.005)\n"
        "got = []\n"
        "while True:\n"
        "    c = s.claim(sys.argv[2], frozenset(), 2, now=time.time(), lease_seconds=60,\n"
        "                attempt_prefix=uuid.uuid4().hex[:28])\n"
        "    if not c: break\n"
        "    got += [x.task.id for x in c]\n"
        "    time.sleep(0.002)  # the work, during which the other process claims\n"
        "print('\\n'.join(got))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(db), f"p{i}", str(go)],
            stdout=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        for i in range(2)
    ]
    time.sleep(1.0)  # both processes imported and waiting
    go.touch()
    outputs = [w.communicate(timeout=60)[0].decode().split() for w in workers]
    claimed = outputs[0] + outputs[1]
    assert len(claimed) == 400 and len(set(claimed)) == 400
    assert all(outputs), "both processes should have claimed some tasks"
