"""Small probes shared by the preflight and tooling reports."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from typing import Any

OK, WARN, FAIL, INFO = "ok", "warn", "fail", "info"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, warn, fail, info
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def command_output(args: list[str], timeout: float = 10.0) -> tuple[int, str]:
    """(exit code, stdout+stderr) of a command; 127 when it is not installed."""
    if shutil.which(args[0]) is None:
        return 127, ""
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {timeout:.0f}s"
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def first_version(text: str) -> str:
    match = re.search(r"v?(\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?)", text)
    return match.group(1) if match else text.splitlines()[0] if text else "unknown"


def nvidia_gpus() -> list[dict[str, str]]:
    """GPUs as nvidia-smi reports them; empty when there is no NVIDIA driver."""
    rc, out = command_output(
        [
            "nvidia-smi",
            "--query-gpu=name,driver_version,memory.total",
            "--format=csv,noheader,nounits",
        ]
    )
    if rc != 0:
        return []
    gpus = []
    for line in out.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 3:
            gpus.append({"model": parts[0], "driver": parts[1], "memory_mb": parts[2]})
    return gpus
