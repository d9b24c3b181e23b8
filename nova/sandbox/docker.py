"""Talking to the Docker daemon, and starting one when none runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from nova.core.errors import NovaError
from nova.core.paths import ensure_home

INSTALL_HINT = (
    "no Docker daemon is reachable; install Docker (apt-get install docker.io) and start dockerd"
)


def docker(*args: str, check: bool = True, input_bytes: bytes | None = None) -> str:
    """Run a docker CLI command and return its stdout."""
    if shutil.which("docker") is None:
        raise NovaError(INSTALL_HINT)
    proc = subprocess.run(["docker", *args], capture_output=True, input=input_bytes, check=False)
    if check and proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise NovaError(f"docker {args[0]} failed: {detail[-1] if detail else proc.returncode}")
    return proc.stdout.decode(errors="replace")


def daemon_running() -> bool:
    if shutil.which("docker") is None:
        return False
    proc = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, check=False
    )
    return proc.returncode == 0


def ensure_daemon(timeout: float = 60.0) -> None:
    """Make sure a daemon answers; start dockerd ourselves when we can."""
    if daemon_running():
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None or shutil.which("docker") is None or os.geteuid() != 0:
        raise NovaError(INSTALL_HINT)
    log = ensure_home() / "dockerd.log"
    with open(log, "ab") as out:
        subprocess.Popen([dockerd], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon_running():
            return
        time.sleep(0.5)
    raise NovaError(f"dockerd did not come up within {timeout:.0f}s; see {log}")


def image_exists(tag: str) -> bool:
    proc = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, check=False)
    return proc.returncode == 0


def image_label(tag: str, label: str) -> str | None:
    """One label of a local image; None when the image is missing or lacks it."""
    proc = subprocess.run(
        ["docker", "image", "inspect", "-f", f'{{{{ index .Config.Labels "{label}" }}}}', tag],
        capture_output=True,
        text=True,
        check=False,
    )
    value = proc.stdout.strip()
    return value if proc.returncode == 0 and value not in ("", "<no value>") else None


def import_rootfs(rootfs: Path, tag: str, changes: list[str]) -> None:
    """`tar -C rootfs -c . | docker import`, streamed without a temp file."""
    args = ["docker", "import"]
    for change in changes:
        args += ["--change", change]
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    imported = subprocess.run([*args, "-", tag], stdin=tar.stdout, capture_output=True, check=False)
    if tar.stdout is not None:
        tar.stdout.close()
    tar.wait()
    if tar.returncode != 0 or imported.returncode != 0:
        raise NovaError(f"docker import of {rootfs} failed: {imported.stderr.decode().strip()}")
