"""One supervised child: started in its own process group, known by pid + create time.

A pid alone can be reused after the process dies; pid plus psutil's create
time names one process for good, so a stale record never signals a stranger.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class ProcessId:
    pid: int
    create_time: float

    def matches(self) -> psutil.Process | None:
        """The live process with this identity, or None."""
        try:
            proc = psutil.Process(self.pid)
            if abs(proc.create_time() - self.create_time) > 0.01:
                return None
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            return proc
        except psutil.Error:
            return None


@dataclass(frozen=True)
class Sample:
    cpu_percent: float
    rss: int


class Child:
    """A started program; its process group id equals its pid."""

    def __init__(self, argv: list[str], env: dict[str, str] | None, log_path: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # its own session, so its own process group
                close_fds=True,
            )
        self.pgid = self.popen.pid
        try:
            self.process: psutil.Process | None = psutil.Process(self.popen.pid)
            create_time = self.process.create_time()
        except psutil.Error:  # it died already; poll() will say how
            self.process, create_time = None, 0.0
        self.ident = ProcessId(self.popen.pid, create_time)
        self._tracked: dict[int, psutil.Process] = {}
        self._term_sent = 0.0

    def poll(self) -> int | None:
        return self.popen.poll()

    def sample(self) -> Sample:
        """CPU (percent of one core, since the last sample) and RSS of the whole tree."""
        members = self._tree()
        cpu, rss = 0.0, 0
        for proc in members:
            try:
                cpu += proc.cpu_percent(interval=None)
                rss += proc.memory_info().rss
            except psutil.Error:
                continue
        return Sample(cpu, rss)

    def _tree(self) -> list[psutil.Process]:
        if self.process is None:
            return []
        try:
            current = [self.process, *self.process.children(recursive=True)]
        except psutil.Error:
            return []
        # Reuse Process objects: cpu_percent measures from the previous call on the same one.
        tracked = {p.pid: self._tracked.get(p.pid, p) for p in current}
        self._tracked = tracked
        return list(tracked.values())

    def stop(self, grace: float) -> str:
        """TERM to the group, up to `grace` seconds, then KILL; returns how it ended."""
        self.terminate()
        return self.finish(grace)

    def terminate(self) -> None:
        self._term_sent = time.monotonic()
        self._signal_group(signal.SIGTERM)

    def finish(self, grace: float) -> str:
        """After `terminate()`: wait out the grace period, then KILL what is left.

        Halfway through, a second TERM asks a worker still finishing its jobs
        to give them up, so it can end the playbooks it started (they run in
        sessions of their own, out of reach of the group KILL).
        """
        deadline = self._term_sent + grace
        second_term = self._term_sent + grace / 2
        how = "killed"
        while time.monotonic() < deadline:
            if self.popen.poll() is not None and not self._group_alive():
                how = "terminated"
                break
            if second_term and time.monotonic() >= second_term:
                self._signal_group(signal.SIGTERM)
                second_term = 0.0
            time.sleep(0.05)
        self.reap_group()
        return how

    def reap_group(self) -> None:
        """KILL whatever is left of the group and collect the leader."""
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        deadline = time.monotonic() + 5
        while self._group_alive() and time.monotonic() < deadline:
            time.sleep(0.02)

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, sig)

    def _group_alive(self) -> bool:
        for proc in psutil.process_iter(["pid", "status"]):
            try:
                if os.getpgid(proc.pid) == self.pgid and proc.status() != psutil.STATUS_ZOMBIE:
                    return True
            except (ProcessLookupError, psutil.Error, OSError):
                continue
        return False


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"
