"""Peak memory of an orchestration: the orchestrator and its workers, with their children.

A background thread samples resident memory with psutil. Each worker is
counted with every process below it (ansible-playbook and its forks), so the
peak is what the run really held at once, not the sum of separate maxima.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil

ORCHESTRATOR = "orchestrator"


@dataclass
class MemoryPeaks:
    total: int = 0  # bytes, the largest sum seen in one sample
    by_process: dict[str, int] = field(default_factory=dict)
    samples: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "by_process": dict(self.by_process), "samples": self.samples}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MemoryPeaks:
        return cls(int(data["total"]), dict(data["by_process"]), int(data["samples"]))


class MemorySampler:
    def __init__(self, pids: Callable[[], dict[str, int]], interval: float = 0.5) -> None:
        """`pids` names the worker processes alive at the moment it is called."""
        self.pids = pids
        self.interval = interval
        self.peaks = MemoryPeaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory", daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        sizes = {ORCHESTRATOR: _own_rss()}
        for name, pid in self.pids().items():
            sizes[f"worker {name}"] = _tree_rss(pid)
        total = sum(sizes.values())
        self.peaks.samples += 1
        self.peaks.total = max(self.peaks.total, total)
        for name, size in sizes.items():
            self.peaks.by_process[name] = max(self.peaks.by_process.get(name, 0), size)


def _own_rss() -> int:
    return int(psutil.Process(os.getpid()).memory_info().rss)


def _tree_rss(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        try:
            total += int(process.memory_info().rss)
        except psutil.Error:  # it exited between listing and reading
            continue
    return total


def human_bytes(size: int | None) -> str:
    if size is None:
        return "not measured"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{value:.1f} GiB"
