"""Handlers every worker knows, for smoke tests and operations checks.

Real work comes from handlers named on the command line (`TYPE=module:attr`)
or from blueprints.
"""

from __future__ import annotations

import importlib

from nova.queue.worker import Fatal, Handler, Job, sleep_until_cancelled


def noop(job: Job) -> bytes:
    return b""


def echo(job: Job) -> bytes:
    return job.task.payload


def sleep(job: Job) -> bytes:
    """Sleep for the payload's seconds (a decimal number)."""
    try:
        seconds = float(job.task.payload.decode() or "0")
    except ValueError:
        raise Fatal("payload must be a number of seconds") from None
    sleep_until_cancelled(job, seconds)
    return b""


def fail(job: Job) -> bytes:
    raise RuntimeError("nova.fail always fails")


BUILTIN: dict[str, Handler] = {
    "nova.noop": noop,
    "nova.echo": echo,
    "nova.sleep": sleep,
    "nova.fail": fail,
}


def load(spec: str) -> tuple[str, Handler]:
    """`TYPE=module:attr` -> (type, handler); raises ValueError naming what is wrong."""
    task_type, sep, target = spec.partition("=")
    module_name, colon, attr = target.partition(":")
    if not sep or not colon or not task_type or not module_name or not attr:
        raise ValueError("must be TYPE=module:attribute")
    try:
        handler = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load {target}: {exc}") from None
    if not callable(handler):
        raise ValueError(f"{target} is not callable")
    return task_type, handler
