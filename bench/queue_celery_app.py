"""The Celery side of bench/queue_bench.py: a no-op task that counts completions in Redis."""

from __future__ import annotations

import os

import redis
from celery import Celery  # type: ignore[import-untyped]

URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
app = Celery("queue_bench", broker=URL)
app.conf.update(
    task_ignore_result=True,
    worker_prefetch_multiplier=64,
    task_acks_late=True,  # the same at-least-once promise the Nova queue makes
    broker_connection_retry_on_startup=True,
)
_counter = redis.Redis.from_url(URL)


@app.task(name="bench.noop")  # type: ignore[untyped-decorator]
def noop() -> None:
    _counter.incr("bench:celery:done")
