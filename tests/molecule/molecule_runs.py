"""Molecule scenarios started together in the background, awaited one test each.

Most of a scenario's time goes to booting containers and fetching packages,
so a few run well side by side even on two cores; the other integration tests
run meanwhile. Each scenario's output goes to its own log file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml"))
# The longest scenarios start first, so the whole set finishes soonest.
LONGEST_FIRST = [
    "observability",
    "os_hardening",
    "postgresql",
    "mongodb",
    "wireguard",
    "openvpn",
    "backup",
    "container_runtime",
    "firewall",
    "nova_agent",
]
TIMEOUT = 2400.0
# The machine is CPU-bound for the whole run and the sandbox chain is one long
# sequence of steps, so Molecule yields to it: its own processes (molecule,
# ansible-playbook and its forks) run niced, and its containers get a quarter
# of the sandbox nodes' CPU weight (what runs in a container does not inherit
# the niceness of `docker exec`). Unprioritised, the chain ended minutes after
# the scenarios with the machine partly idle; now it ends first, and the
# scenarios, four at a time, keep both cores busy to the end.
NICENESS = int(os.environ.get("NOVA_MOLECULE_NICE", "10"))
CPU_SHARES = os.environ.get("NOVA_MOLECULE_CPU_SHARES", "256")
# What Molecule says when `ansible-playbook --version` fails under it.
TOOL_CHECK_FAILED = "is not available. Please ensure that it is installed."


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    returncode: int
    log: Path
    seconds: float

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


class MoleculeRuns:
    def __init__(self, scenarios: list[str], log_dir: Path, parallel: int) -> None:
        self.log_dir = log_dir
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="molecule")
        order = sorted(scenarios, key=lambda s: (s not in LONGEST_FIRST, LONGEST_FIRST.index(s)
                                                  if s in LONGEST_FIRST else 0, s))  # fmt: skip
        self._futures: dict[str, Future[ScenarioResult]] = {
            s: self._pool.submit(self._run, s) for s in order
        }

    def _run(self, scenario: str) -> ScenarioResult:
        env = dict(os.environ)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        env["ANSIBLE_FORCE_COLOR"] = "0"
        env["PY_COLORS"] = "0"
        env["NOVA_MOLECULE_CPU_SHARES"] = CPU_SHARES  # read by molecule/resources/create.yml
        # Each task's time and a summary per playbook, for finding the slow steps.
        env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
        log = self.log_dir / f"molecule-{scenario}.log"
        started = time.monotonic()
        code = self._attempt(scenario, env, log)
        if code != 0 and TOOL_CHECK_FAILED in log.read_text(encoding="utf-8", errors="replace"):
            # Molecule's own probe of the ansible-playbook binary failed before
            # any role ran; that says nothing of the role, so try once more.
            # (Seen when scenarios shared the test run's stdin and something
            # had made it non-blocking, which Ansible refuses; each scenario
            # now gets its own /dev/null.)
            # A suffix `nova report tests --molecule` does not read as a run.
            log.rename(log.with_suffix(".first-attempt"))
            code = self._attempt(scenario, env, log)
        return ScenarioResult(scenario, code, log, time.monotonic() - started)

    @staticmethod
    def _attempt(scenario: str, env: dict[str, str], log: Path) -> int:
        with open(log, "w", encoding="utf-8") as out:
            try:
                return subprocess.run(
                    ["nice", "-n", str(NICENESS), "molecule", "test", "-s", scenario],
                    # A private, blocking stdin: Ansible refuses to start on
                    # a non-blocking one, and a shared one can be made so.
                    cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=TIMEOUT, check=False,
                ).returncode  # fmt: skip
            except subprocess.TimeoutExpired:
                out.write(f"\nmolecule test -s {scenario} timed out after {TIMEOUT:.0f}s\n")
                return -1

    def result(self, scenario: str) -> ScenarioResult:
        return self._futures[scenario].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
