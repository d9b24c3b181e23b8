"""`nova worker`: run built-in or named handlers, or the skills of a blueprint."""

from __future__ import annotations

from typing import Any

import click

from nova.cli.queue import client_from, connection_options
from nova.core.errors import InputError


@click.command()
@connection_options
@click.option("--skills", default="", help="Comma-separated skills this worker offers.")
@click.option("--slots", default=None, type=click.IntRange(1, 1000),
              help="Tasks run at once (default: the blueprint's concurrency, else 4).")  # fmt: skip
@click.option("--handler", "handler_specs", multiple=True, metavar="TYPE=module:attr",
              help="Handler for a task type (repeatable), besides nova.*.")  # fmt: skip
@click.option("--worker-id", default=None, help="Stable id (default host-pid-random).")
@click.option("--blueprint", default=None, metavar="NAME",
              help="Offer this blueprint's skills with its handlers and concurrency.")  # fmt: skip
def worker(
    skills: str,
    slots: int | None,
    handler_specs: tuple[str, ...],
    worker_id: str | None,
    blueprint: str | None,
    **conn: Any,
) -> None:
    """Take tasks from the queue and run them until interrupted."""
    import logging
    import signal
    import threading

    from nova.queue.handlers import BUILTIN, load
    from nova.queue.worker import Worker

    handlers = dict(BUILTIN)
    for spec in handler_specs:
        try:
            task_type, handler = load(spec)
        except ValueError as exc:
            raise InputError("--handler", spec, str(exc)) from None
        handlers[task_type] = handler
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    skill_list = [s.strip() for s in skills.split(",") if s.strip()]
    if blueprint is not None:
        from nova.agents.launch import plan_worker
        from nova.audit.log import current_actor

        if skill_list:
            raise InputError("--skills", None, "a blueprint names its own skills")
        plan = plan_worker(blueprint, actor=current_actor())
        handlers.update(plan.handlers)
        skill_list = plan.skills
        slots = slots or plan.blueprint.concurrency
    stop = threading.Event()
    server = conn["server"]
    with client_from(conn) as client:
        runner = Worker(client, handlers, skills=skill_list, slots=slots or 4, worker_id=worker_id)

        def on_signal(*_: object) -> None:
            # First signal: take no new tasks, finish the running ones.
            # Second: give them up too, ending the playbooks they started.
            if stop.is_set():
                runner.cancel_running()
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        click.echo(f"worker {runner.worker_id} taking tasks from {server}", err=True)
        runner.run(stop)
    click.echo(f"worker {runner.worker_id} stopped after {runner.completed} task(s)", err=True)
