"""Blueprint workers as supervised programs: argv, log and limits."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from nova.agents.blueprints.model import Blueprint
from nova.agents.supervisor import Limits, ProgramSpec


def worker_program(blueprint: Blueprint, queue_args: list[str], log_dir: Path) -> ProgramSpec:
    """`nova worker --blueprint NAME` under the supervisor, with the blueprint's limits.

    `queue_args` are `nova worker` connection options (--server, --token-file, ...).
    """
    argv = [
        sys.executable,
        "-m",
        "nova",
        "worker",
        "--blueprint",
        blueprint.name,
        "--worker-id",
        f"{socket.gethostname()}-{blueprint.name}",
        *queue_args,
    ]
    return ProgramSpec(
        name=blueprint.name,
        argv=argv,
        log_path=log_dir / f"{blueprint.name}.log",
        restart=blueprint.restart,
        limits=Limits(
            memory=blueprint.resources.memory,
            cpu_percent=blueprint.resources.cpu * 100,
            samples=blueprint.health.samples,
            interval=blueprint.health.interval,
        ),
    )
