"""Ten sandbox nodes, the light foundation roles: the per-host cost has not regressed.

The bench (bench/scale_bench.py) records the controller's CPU time per host of an
idempotent re-run in bench/results/scale_baseline.json; this test makes the same
re-run on a sandbox of its own and fails when the cost per host grew by more than
MARGIN. CPU time, not wall time: in a full `make test` this tier shares the two
cores with the Molecule scenarios, which stretches wall time several-fold but
leaves the controller's own work much as it was. A cost that grows with the host
count (a task that loops over every host on every host, a report or progress
display that redraws per event) shows as a multiple, well past the margin.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "bench" / "results" / "scale_baseline.json"
NODES = 10
MARGIN = 2.0
TIMEOUT = 1500


@pytest.fixture(scope="module")
def scale_env(
    docker_daemon: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("scale-home")
    env = {**os.environ, "NOVA_HOME": str(home), "NOVA_SANDBOX": f"nova-scale-{os.getpid()}"}
    nova = str(Path(sys.executable).parent / "nova")
    up = subprocess.run([nova, "sandbox", "up", "--nodes", str(NODES)], env=env,
                        capture_output=True, text=True, timeout=600)  # fmt: skip
    try:
        assert up.returncode == 0, up.stderr
        yield env
    finally:
        subprocess.run([nova, "sandbox", "down"], env=env, capture_output=True, check=False)


def provision(env: dict[str, str], skip: str) -> tuple[dict[str, Any], float]:
    """One run through `nova provision`; its record and the controller's CPU seconds."""
    nova = str(Path(sys.executable).parent / "nova")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [nova, "provision", "-i", "sandbox", "--phase", "foundation", "--skip-tags", skip,
         "-o", "json"],
        env=env, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(result.stdout), cpu


def test_the_per_host_cost_of_a_re_run_has_not_regressed(scale_env: dict[str, str]) -> None:
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    expected = float(baseline["per_host_rerun_cpu_seconds"][str(NODES)])
    skip = str(baseline["skip_tags"])
    first, _ = provision(scale_env, skip)
    assert first["status"] == "successful"
    rerun, cpu = provision(scale_env, skip)
    assert rerun["status"] == "successful"
    hosts = rerun["results"][0]["hosts"]
    assert len(hosts) == NODES
    assert all(h["changed"] == 0 for h in hosts.values()), "a re-run changed something"
    per_host = cpu / NODES
    print(f"re-run: {cpu:.1f} s controller CPU, {per_host:.2f} s per host "
          f"(baseline {expected:.2f}, margin {MARGIN}x)")  # fmt: skip
    assert per_host <= expected * MARGIN, (
        f"{per_host:.2f} s of controller CPU per host, over {MARGIN}x the baseline's "
        f"{expected:.2f} s ({BASELINE.relative_to(ROOT)})"
    )
    report = Path(str(rerun["report"])).read_text(encoding="utf-8")
    assert f"{NODES} host(s): {NODES} ok." in report
