"""The worker processes an orchestration starts: one `nova worker` per agent.

Each worker is a real child process in its own process group, writing to a
log file in the run's folder. Stopping one is TERM to the group, a grace
period for running tasks to finish, then KILL, so no orphan is left behind.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nova.agents.process import Child

# (agent, skills, queue address, slots) -> argv of the worker process
WorkerCommand = Callable[[str, Sequence[str], str, int], list[str]]


def nova_argv() -> list[str]:
    return [sys.executable, "-m", "nova"]


def blueprint_worker(agent: str, skills: Sequence[str], server: str, slots: int) -> list[str]:
    """The agent's own blueprint decides its skills and handlers."""
    return [*nova_argv(), "worker", "--blueprint", agent, "--server", server, "--slots", str(slots)]


@dataclass(frozen=True)
class HandlerWorkers:
    """Workers whose handlers are named as `module:attr` for each skill."""

    handlers: Mapping[str, str]

    def __call__(self, agent: str, skills: Sequence[str], server: str, slots: int) -> list[str]:
        argv = [*nova_argv(), "worker", "--server", server, "--slots", str(slots)]
        argv += ["--skills", ",".join(skills), "--worker-id", f"{agent}-{os.getpid()}"]
        for skill in skills:
            argv += ["--handler", f"{skill}={self.handlers[skill]}"]
        return argv


@dataclass
class WorkerProcess:
    agent: str
    argv: list[str]
    child: Child
    log_path: Path

    @property
    def pid(self) -> int:
        return self.child.pgid

    def exit_reason(self) -> str | None:
        """Why the worker can no longer take tasks, or None while it runs."""
        rc = self.child.poll()
        if rc is None:
            return None
        return f"the {self.agent} worker exited with status {rc}: {self._log_tail()}"

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1][:300] if lines else "no output"


class WorkerPool:
    def __init__(self, command: WorkerCommand, server: str, log_dir: Path) -> None:
        self.command = command
        self.server = server
        self.log_dir = log_dir
        self.workers: dict[str, WorkerProcess] = {}

    def start(self, agent: str, skills: Sequence[str], slots: int) -> WorkerProcess:
        argv = self.command(agent, skills, self.server, slots)
        log_path = self.log_dir / f"worker-{agent}.log"
        env = dict(os.environ)
        # ansible-runner finds ansible-playbook on PATH: put this environment first.
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        worker = WorkerProcess(agent, argv, Child(argv, env, log_path), log_path)
        self.workers[agent] = worker
        return worker

    def health(self, agent: str) -> str | None:
        worker = self.workers.get(agent)
        if worker is None:
            return f"no worker was started for {agent}"
        return worker.exit_reason()

    def pids(self) -> dict[str, int]:
        return {agent: w.pid for agent, w in self.workers.items() if w.child.poll() is None}

    def stop(self, agent: str, grace: float = 10.0) -> None:
        """TERM, a second TERM halfway through `grace`, then KILL (agents.process.Child)."""
        worker = self.workers.pop(agent, None)
        if worker is not None:
            worker.child.stop(grace)

    def stop_all(self, grace: float = 10.0) -> None:
        for agent in list(self.workers):
            self.stop(agent, grace)
