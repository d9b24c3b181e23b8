"""Building the nova.spark collection's tarball and installing it away from the repository.

Used by the integration tier (syntax checks, filters) and the e2e tier (a
real run against a container). The environment `isolated_env` returns
reaches the installed collection and the collections the `ansible` package
ships, and nothing of the repository: not its ansible.cfg, not its roles/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ansible_collections

from nova.core.paths import project_root

SOURCE = (project_root() / "roles").resolve().parent
BIN = Path(sys.executable).parent
# Where the `ansible` package keeps community.general, ansible.posix and the rest.
SITE_COLLECTIONS = Path(next(iter(ansible_collections.__path__))).parent
TIMEOUT = 300


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        list(args),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, f"{' '.join(args)}\n{proc.stdout}\n{proc.stderr}"
    return proc


def build(source: Path, output: Path) -> Path:
    run(
        str(BIN / "ansible-galaxy"), "collection", "build", "--force",
        "--output-path", str(output), str(source),
        cwd=output.parent,
    )  # fmt: skip
    (tarball,) = output.glob("nova-spark-*.tar.gz")
    return tarball


def install(tarball: Path, target: Path) -> Path:
    run(
        str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
        "-p", str(target), str(tarball),
        cwd=tarball.parent,
    )  # fmt: skip
    return target


def isolated_env(workdir: Path, installed: Path) -> dict[str, str]:
    config = workdir / "ansible.cfg"
    config.write_text("[defaults]\n")
    (workdir / "no-roles").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_CONFIG=str(config),
        ANSIBLE_COLLECTIONS_PATH=f"{installed}{os.pathsep}{SITE_COLLECTIONS}",
        ANSIBLE_ROLES_PATH=str(workdir / "no-roles"),
        ANSIBLE_HOME=str(workdir / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
    )
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env
