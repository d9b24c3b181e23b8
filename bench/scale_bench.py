"""`nova provision` at cluster sizes, against raw `ansible-playbook` on the same nodes.

For each size, a fresh sandbox of that many nodes is started, then:
  first     nova provision --phase PHASE (fresh nodes: installs everything)
  re-run    nova provision again (idempotent: changes nothing)
  raw       ansible-playbook -i inventories/sandbox playbooks/PHASE.yml, same forks
and then each setting Nova chose taken away on its own, a re-run each:
  forks-20  ansible.cfg's fixed fork count instead of one per host (--forks 20)
  no-cache  the fact cache emptied first (--refresh-facts)
  linear    the linear strategy for the plays whose hosts are independent
With --mitogen DIR (a folder holding `pip install --target DIR mitogen`), one more:
  mitogen   a re-run with Mitogen's strategies (mitogen_free where Nova uses free)
For each run it prints wall time, the controller's CPU time (the whole process tree,
user + system), its peak memory (the tree's proportional set size, sampled every
0.25 s: shared pages are counted once), and the cost per host. Then it checks the
goals: nova within 5% of raw at every size, the re-run's cost per host at the largest
size no worse than at the smallest, and the controller under 1 GiB.

`--stop N` then, at the largest size, stops N nodes a few seconds into a re-run and
checks that the others finish, that the report names the N with the reason, that
`--resume` is refused in one line while the inventory names the old ports, and that
after `nova sandbox up` the resume completes them.

`--baseline FILE` writes the per-host re-run cost at each size as JSON: the
end-to-end tier's scale test compares against it.

Needs root, Docker and the sandbox image (`nova sandbox image`). It uses a sandbox of
its own (NOVA_SANDBOX=nova-scale) and a temporary NOVA_HOME, and removes both.

`--skip-tags a,b` leaves roles out of every run, Nova's and raw (the foundation
phase tags each role by its name): the "light roles" runs.

Run: .venv/bin/python bench/scale_bench.py [--sizes 5 10 25 50] [--phase foundation]
       [--skip-tags TAGS] [--stop N] [--mitogen DIR] [--baseline FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from nova.ansible.tuning import available_memory, choose_forks

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SANDBOX = "nova-scale"
# ansible.cfg's fixed fork count: what a run gets without Nova's choice.
CONFIG_FORKS = 20
OVERHEAD_GOAL = 1.05
# Each setting Nova chooses, taken away on its own: the flags that do it.
SETTINGS_TAKEN_AWAY = {
    "forks-20": ["--forks", str(CONFIG_FORKS)],
    "no-cache": ["--refresh-facts"],
    "linear": ["-e", "nova_play_strategy=linear"],
}
MEMORY_GOAL_MIB = 1024
# Seconds into a run before --stop stops its nodes: past the first tasks.
STOP_AFTER_SECONDS = 8


@dataclass
class Measure:
    size: int
    run: str
    wall: float
    cpu: float
    peak_mib: float
    rc: int
    changed: int | None = None

    @property
    def per_host(self) -> float:
        return self.wall / self.size


class TreeMemory(threading.Thread):
    """Samples the proportional memory of a process and everything under it."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self._sample())
            self.done.wait(0.25)

    def _sample(self) -> int:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_full_info().pss
            except psutil.Error:
                continue
        return total


def measure(size: int, label: str, cmd: list[str], env: dict[str, str]) -> tuple[Measure, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    sampler = TreeMemory(proc.pid)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = Measure(size, label, wall, cpu, sampler.peak / 2**20, proc.returncode)
    return result, output


def nova(*args: str) -> list[str]:
    return [str(BIN / "nova"), *args]


def changed_tasks_from_json(output: str) -> int | None:
    try:
        run = json.loads(output[output.index("{") :])
    except ValueError:
        return None
    total: int = sum(
        int(h.get("changed", 0)) for p in run.get("results", []) for h in p["hosts"].values()
    )
    return total


def changed_tasks_from_recap(output: str) -> int | None:
    counts = [int(m) for m in re.findall(r"changed=(\d+)", output)]
    return sum(counts) if counts else None


def mitogen_env(env: dict[str, str], folder: Path) -> dict[str, str]:
    return {**env, "PYTHONPATH": str(folder),
            "ANSIBLE_STRATEGY_PLUGINS": str(folder / "ansible_mitogen/plugins/strategy"),
            "ANSIBLE_STRATEGY": "mitogen_linear"}  # fmt: skip


def run_size(
    size: int, phase: str, env: dict[str, str], skip: str, mitogen: Path | None = None
) -> list[Measure]:
    subprocess.run(nova("sandbox", "down"), env=env, check=True, capture_output=True)
    up = subprocess.run(nova("sandbox", "up", "--nodes", str(size)), env=env,
                        capture_output=True, text=True)  # fmt: skip
    if up.returncode != 0:
        raise SystemExit(f"sandbox up --nodes {size} failed: {up.stderr.strip()}")
    provision = provision_cmd(phase, skip)
    results = []
    for label, cmd in (("first", provision), ("re-run", provision)):
        m, out = measure(size, label, cmd, env)
        m.changed = changed_tasks_from_json(out)
        results.append(m)
        if m.rc != 0:
            print(f"  {label} failed (rc {m.rc}); its last lines:\n{out[-2000:]}", file=sys.stderr)
    forks = chosen_forks(size)
    raw = [str(BIN / "ansible-playbook"), "-i", "inventories/sandbox", "-f", str(forks),
           *(["--skip-tags", skip] if skip else []), f"playbooks/{phase}.yml"]  # fmt: skip
    m, out = measure(size, "raw", raw, {**env, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")})
    m.changed = changed_tasks_from_recap(out)
    results.append(m)
    for label, extra in SETTINGS_TAKEN_AWAY.items():
        m, out = measure(size, label, [*provision, *extra], env)
        m.changed = changed_tasks_from_json(out)
        results.append(m)
    if mitogen is not None:
        cmd = [*provision, "-e", "nova_play_strategy=mitogen_free"]
        m, out = measure(size, "mitogen", cmd, mitogen_env(env, mitogen))
        m.changed = changed_tasks_from_json(out)
        results.append(m)
        if m.rc != 0:
            print(f"  mitogen failed (rc {m.rc}); its last lines:\n{out[-2000:]}", file=sys.stderr)
    return results


def chosen_forks(size: int) -> int:
    """The forks Nova chooses for `size` hosts on this controller, by its own rule."""
    return choose_forks(size, available_memory())[0]


def provision_cmd(phase: str, skip: str) -> list[str]:
    return nova("provision", "-i", "sandbox", "--phase", phase, "-o", "json",
                *(["--skip-tags", skip] if skip else []))  # fmt: skip


def stop_mid_run(size: int, count: int, phase: str, skip: str, env: dict[str, str]) -> list[str]:
    """Stop `count` of `size` nodes during a run; what went wrong, if anything."""
    problems: list[str] = []
    victims = [f"node{n}" for n in range(size, size - count, -1)]
    provision = provision_cmd(phase, skip)
    proc = subprocess.Popen(provision, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    time.sleep(STOP_AFTER_SECONDS)
    subprocess.run(["docker", "stop", *(f"{SANDBOX}-{v}" for v in victims)], check=True,
                   capture_output=True)  # fmt: skip
    out, _ = proc.communicate()
    run = json.loads(out[out.index("{") :])
    hosts = run["results"][0]["hosts"] if run.get("results") else {}
    down = sorted((h for h, s in hosts.items() if s["unreachable"]), key=lambda h: (len(h), h))
    fine = [h for h, s in hosts.items() if not s["unreachable"] and not s["failed"]]
    print(f"stopped {', '.join(victims)}: run {run['status']}, {len(down)} unreachable "
          f"({', '.join(down)}), {len(fine)} finished")  # fmt: skip
    if sorted(down) != sorted(victims) or len(fine) != size - count:
        problems.append(f"expected {victims} unreachable and the others done, got {down}")
    report = Path(run["report"]).read_text(encoding="utf-8")
    failed_lines = [line for line in report.splitlines() if line.startswith("- **unreachable**")]
    print("report: " + " / ".join(failed_lines))
    if not failed_lines or any("All items completed" in line for line in failed_lines):
        problems.append("the report gives no real reason for the unreachable hosts")
    subprocess.run(["docker", "start", *(f"{SANDBOX}-{v}" for v in victims)], check=True,
                   capture_output=True)  # fmt: skip
    resume = nova("provision", "--resume", run["id"], "-o", "json")
    stale = subprocess.run(resume, cwd=ROOT, env=env, capture_output=True, text=True)
    print(f"resume before `sandbox up`: rc {stale.returncode}: {stale.stderr.strip()}")
    if stale.returncode == 0 or "nova sandbox up" not in stale.stderr:
        problems.append("resume with stale ports was not refused with the way out")
    subprocess.run(nova("sandbox", "up", "--nodes", str(size)), env=env, check=True,
                   capture_output=True)  # fmt: skip
    m, out = measure(size, "resume", resume, env)
    resumed = json.loads(out[out.index("{") :])
    print(f"resume after `sandbox up`: {resumed['status']} in {m.wall:.1f} s")
    if resumed["status"] != "successful":
        problems.append(f"resume ended {resumed['status']}")
    return problems


def report(results: list[Measure]) -> list[str]:
    print(f"{'nodes':>5} {'run':<8} {'wall s':>8} {'s/host':>7} {'cpu s':>8} {'cpu/host':>8} "
          f"{'peak MiB':>9} {'changed':>8} {'rc':>3}")  # fmt: skip
    for m in results:
        changed = "?" if m.changed is None else str(m.changed)
        print(f"{m.size:>5} {m.run:<8} {m.wall:>8.1f} {m.per_host:>7.2f} {m.cpu:>8.1f} "
              f"{m.cpu / m.size:>8.2f} {m.peak_mib:>9.0f} {changed:>8} {m.rc:>3}")  # fmt: skip
    failures = []
    by = {(m.size, m.run): m for m in results}
    sizes = sorted({m.size for m in results})
    for size in sizes:
        rerun, raw = by[(size, "re-run")], by[(size, "raw")]
        ratio, cpu_ratio = rerun.wall / raw.wall, rerun.cpu / max(raw.cpu, 0.001)
        others = [*SETTINGS_TAKEN_AWAY, *(["mitogen"] if (size, "mitogen") in by else [])]
        without = ", ".join(f"{label} {by[(size, label)].wall / rerun.wall:.2f}x"
                            for label in others)  # fmt: skip
        print(f"{size} nodes: nova/raw {ratio:.3f}x wall, {cpu_ratio:.3f}x cpu; "
              f"re-run wall without each setting: {without}")  # fmt: skip
        if ratio > OVERHEAD_GOAL:
            failures.append(f"{size} nodes: nova provision {ratio:.3f}x raw ansible-playbook")
    small, large = by[(sizes[0], "re-run")], by[(sizes[-1], "re-run")]
    print(f"re-run per host: {small.per_host:.2f} s at {sizes[0]}, "
          f"{large.per_host:.2f} s at {sizes[-1]}")  # fmt: skip
    if large.per_host > small.per_host:
        failures.append(f"re-run per host grows from {sizes[0]} to {sizes[-1]} nodes")
    peak = max(m.peak_mib for m in results)
    print(f"controller peak: {peak:.0f} MiB (goal under {MEMORY_GOAL_MIB})")
    if peak >= MEMORY_GOAL_MIB:
        failures.append(f"controller peaked at {peak:.0f} MiB")
    if any(m.rc != 0 for m in results if m.run != "mitogen"):
        failures.append("a run failed")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 25, 50])
    parser.add_argument("--phase", default="foundation")
    parser.add_argument("--baseline", type=Path, help="write the per-host re-run costs here")
    parser.add_argument("--skip-tags", default="", help="roles to leave out, comma-separated")
    parser.add_argument("--stop", type=int, default=0, help="nodes to stop mid-run at the end")
    parser.add_argument("--mitogen", type=Path, help="a folder with Mitogen installed in it")
    args = parser.parse_args()
    if shutil.which("docker") is None:
        print("docker is not installed (run scripts/bootstrap.sh)", file=sys.stderr)
        return 1
    home = Path(tempfile.mkdtemp(prefix="nova-scale-"))
    env = {**os.environ, "NOVA_HOME": str(home), "NOVA_SANDBOX": SANDBOX,
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # fmt: skip
    print(f"controller: {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB; phase {args.phase}"
          + (f" without {args.skip_tags}" if args.skip_tags else ""))  # fmt: skip
    results: list[Measure] = []
    stop_problems: list[str] = []
    try:
        for size in sorted(args.sizes):
            print(f"-- {size} nodes", flush=True)
            results += run_size(size, args.phase, env, args.skip_tags, args.mitogen)
        if args.stop:
            print(f"-- stopping {args.stop} of {max(args.sizes)} nodes mid-run", flush=True)
            stop_problems = stop_mid_run(max(args.sizes), args.stop, args.phase,
                                         args.skip_tags, env)  # fmt: skip
    finally:
        subprocess.run(nova("sandbox", "down"), env=env, capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)
    failures = report(results) + stop_problems
    if args.baseline:
        baseline = {
            "phase": args.phase,
            "skip_tags": args.skip_tags,
            "per_host_rerun_cpu_seconds": {
                str(m.size): round(m.cpu / m.size, 3) for m in results if m.run == "re-run"
            },
            "per_host_rerun_seconds": {
                str(m.size): round(m.per_host, 3) for m in results if m.run == "re-run"
            },
            "measures": [asdict(m) for m in results],
        }
        args.baseline.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
        print(f"baseline: {args.baseline}")
    for failure in failures:
        print(f"goal missed: {failure}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
