"""Handlers for worker processes started by the orchestration tests.

`timed` sleeps, then appends when it started and ended to the file named by
NOVA_TEST_TIMES, so a test can measure how many tasks really overlapped.
`broken` always fails, and `unavailable` says it cannot run here.
"""

from __future__ import annotations

import fcntl
import json
import os
import time

from nova.queue.worker import Fatal, Job, sleep_until_cancelled


def timed(job: Job) -> bytes:
    payload = json.loads(job.task.payload)
    start = time.time()
    sleep_until_cancelled(job, float(os.environ.get("NOVA_TEST_SLEEP", "0.6")))
    end = time.time()
    line = json.dumps({"task": payload["task"], "start": start, "end": end, "pid": os.getpid()})
    with open(os.environ["NOVA_TEST_TIMES"], "a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)
        out.write(line + "\n")
    return json.dumps({"summary": f"slept for {payload['task']}"}).encode()


def broken(job: Job) -> bytes:
    raise Fatal("the disk is full")


def unavailable(job: Job) -> bytes:
    raise Fatal("not runnable here: needs an NVIDIA GPU")
