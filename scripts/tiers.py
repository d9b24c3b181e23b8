"""Nova's test tiers, one command each, and all of them together.

    tiers.py check                 ruff, mypy, ansible-lint and the unit tests, side by side
    tiers.py integration           real Redis, gRPC, restic and processes; no containers
    tiers.py molecule [SCENARIO]   every role's Molecule scenario, or the ones named
    tiers.py e2e                   Nova against the sandbox's containers
    tiers.py all                   check first, then the other three side by side

The Makefile's targets call it (`make check`, `make integration`, `make
molecule S=firewall`, `make e2e`, `make test`). Every tier writes JUnit XML to
build/test-results/<tier>.xml (NOVA_TEST_RESULTS moves the folder) and prints
its wall time when it ends; `all` ends with a table of the tiers' times and
the QA summary that `nova report tests` makes of their JUnit files and the
Molecule logs. pytest's exit code 5 (no tests collected) is a failure here: a
tier that tested nothing must not pass.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("NOVA_TEST_RESULTS", ROOT / "build" / "test-results"))
BIN = Path(sys.executable).parent
PYTHON = sys.executable
# The budgets the README states, checked at the end of each run.
CHECK_BUDGET = 90.0
FULL_BUDGET = 40 * 60.0
# How often a full run says which tiers are still running.
HEARTBEAT = 300.0
NO_TESTS_COLLECTED = 5
LOG_TAIL = 120


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PATH"] = f"{BIN}{os.pathsep}{out.get('PATH', '')}"
    out["PYTHONUNBUFFERED"] = "1"  # progress as it happens, through the pipe
    return out


def clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{seconds:.1f} s"


@dataclass
class Outcome:
    name: str
    code: int
    seconds: float
    log: Path | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.code == 0


# Child processes, so an interrupted run stops them all.
_children: set[subprocess.Popen[bytes]] = set()
_children_lock = threading.Lock()


def run(
    name: str, command: Sequence[str], log: Path | None, echo: bool, extra_env: dict[str, str]
) -> Outcome:
    """Run one command in its own process group; its output goes to `log`, and to us if `echo`."""
    start = time.monotonic()
    out: TextIO | None = open(log, "w", encoding="utf-8") if log else None  # noqa: SIM115
    try:
        proc = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env={**env(), **extra_env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        with _children_lock:
            _children.add(proc)
        captured: list[str] = []
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace")
            if out:
                out.write(line)
                out.flush()
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
            elif not out:
                captured.append(line)
        code = proc.wait()
        with _children_lock:
            _children.discard(proc)
    finally:
        if out:
            out.close()
    return Outcome(name, code, time.monotonic() - start, log, "".join(captured))


def stop_children(*_: object) -> None:
    with _children_lock:
        for proc in _children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    sys.exit(130)


def pytest_command(tier: str, targets: Sequence[str], basetemp: Path, *extra: str) -> list[str]:
    return [
        PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=15",
        # xunit1: per-test properties (a Molecule scenario's own time) are kept.
        "-o", f"junit_suite_name={tier}", "-o", "junit_family=xunit1",
        f"--junitxml={RESULTS / f'{tier}.xml'}",
        f"--basetemp={basetemp}", *extra, *targets,
    ]  # fmt: skip


def last_line(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    return lines[-1].strip("= ") if lines else ""


def pytest_verdict(outcome: Outcome) -> Outcome:
    if outcome.code == NO_TESTS_COLLECTED:
        outcome.detail = "pytest collected no tests"
        outcome.code = 1
    return outcome


# ----- check: lint and unit tests, side by side ------------------------------


LINTERS: dict[str, list[str]] = {
    "ruff check": [str(BIN / "ruff"), "check", "nova", "tests", "bench", "scripts"],
    "ruff format": [str(BIN / "ruff"), "format", "--check", "nova", "tests", "bench", "scripts"],
    "mypy": [str(BIN / "mypy")],
    "ansible-lint": [str(BIN / "ansible-lint")],
}


def check() -> Outcome:
    """The inner loop: no Docker, no root, no network; writes only inside the checkout."""
    start = time.monotonic()
    RESULTS.mkdir(parents=True, exist_ok=True)
    basetemp = ROOT / "build" / "tmp" / "unit"
    basetemp.parent.mkdir(parents=True, exist_ok=True)
    # Ansible's own files (temporary folders, lint's caches) stay in the checkout.
    ansible_env = {"ANSIBLE_HOME": str(ROOT / ".ansible")}
    unit = pytest_command("unit", ["tests/unit"], basetemp, "-n", "2")
    with ThreadPoolExecutor(max_workers=len(LINTERS) + 1) as pool:
        unit_future = pool.submit(run, "unit", unit, RESULTS / "unit.log", False, ansible_env)
        lint_futures = {
            name: pool.submit(run, name, cmd, None, False, ansible_env)
            for name, cmd in LINTERS.items()
        }
        lints = [future.result() for future in lint_futures.values()]
        unit_outcome = pytest_verdict(unit_future.result())
    write_lint_junit(lints)
    for outcome in lints:
        print(f"  {'ok  ' if outcome.ok else 'FAIL'}  {outcome.name:<14} {clock(outcome.seconds)}")
        if not outcome.ok:
            print(outcome.detail.rstrip())
    print(
        f"  {'ok  ' if unit_outcome.ok else 'FAIL'}  {'unit tests':<14} "
        f"{clock(unit_outcome.seconds)}  ({last_line(unit_outcome.log)})"
    )
    if not unit_outcome.ok and unit_outcome.log:
        print(tail(unit_outcome.log))
    code = 0 if unit_outcome.ok and all(o.ok for o in lints) else 1
    return Outcome("check", code, time.monotonic() - start, unit_outcome.log)


def write_lint_junit(outcomes: Sequence[Outcome]) -> None:
    """The linters' verdicts as JUnit, one case each, so the QA summary counts them."""
    failures = sum(not o.ok for o in outcomes)
    total = sum(o.seconds for o in outcomes)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites, "testsuite", name="lint", tests=str(len(outcomes)), failures=str(failures),
        errors="0", skipped="0", time=f"{total:.3f}",
    )  # fmt: skip
    for outcome in outcomes:
        case = ET.SubElement(
            suite, "testcase", classname="lint", name=outcome.name, time=f"{outcome.seconds:.3f}"
        )
        if not outcome.ok:
            failure = ET.SubElement(case, "failure", message=f"{outcome.name} failed")
            failure.text = outcome.detail
    ET.ElementTree(suites).write(RESULTS / "lint.xml", encoding="utf-8", xml_declaration=True)


# ----- the tiers that run pytest on their folder -------------------------------


def scenario_targets(names: Sequence[str]) -> list[str]:
    available = sorted(p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml"))
    unknown = [n for n in names if n not in available]
    if unknown:
        raise SystemExit(
            f"molecule: no scenario {', '.join(unknown)}; the scenarios are {', '.join(available)}"
        )
    test = "tests/molecule/test_molecule.py"
    return [f"{test}::test_molecule_scenario[{n}]" for n in names] or [test]


def pytest_tier(tier: str, targets: Sequence[str], echo: bool, tmp: Path) -> Outcome:
    extra_env: dict[str, str] = {}
    if tier == "molecule":
        logs = RESULTS / "molecule"
        shutil.rmtree(logs, ignore_errors=True)
        extra_env["NOVA_MOLECULE_LOGS"] = str(logs)
    command = pytest_command(tier, targets, tmp / tier)
    outcome = run(tier, command, RESULTS / f"{tier}.log", echo, extra_env)
    return pytest_verdict(outcome)


TIER_TARGETS = {"integration": ["tests/integration"], "e2e": ["tests/e2e"]}


def tail(log: Path, lines: int = LOG_TAIL) -> str:
    text = log.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def report(outcome: Outcome) -> None:
    verdict = "passed" if outcome.ok else "FAILED"
    summary = outcome.detail or last_line(outcome.log)
    print(f"tier {outcome.name}: {verdict} in {clock(outcome.seconds)} ({summary})", flush=True)
    if outcome.name == "molecule":
        scenario_times()


# ----- all of them ------------------------------------------------------------


def full_run() -> int:
    start = time.monotonic()
    print("== check (lint and unit tests), with the sandbox image building beside it", flush=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        image = pool.submit(
            run, "image", [str(BIN / "nova"), "sandbox", "image"], RESULTS / "image.log", False, {}
        )
        checked = check()
        report(checked)
        built = image.result()
    if not checked.ok:
        print("check failed: the longer tiers do not run", file=sys.stderr)
        return 1
    if not built.ok:
        print(f"the sandbox image did not build; see {built.log}:\n{tail(RESULTS / 'image.log')}")
        return 1

    tmp = Path(tempfile.mkdtemp(prefix="nova-tests."))
    tiers = {
        "integration": TIER_TARGETS["integration"],
        "molecule": scenario_targets([]),
        "e2e": TIER_TARGETS["e2e"],
    }
    print(f"== {', '.join(tiers)} side by side (logs in {RESULTS})", flush=True)
    outcomes = [checked]
    with ThreadPoolExecutor(max_workers=len(tiers)) as pool:
        running = {
            pool.submit(pytest_tier, t, targets, False, tmp): t for t, targets in tiers.items()
        }
        pending = set(running)
        last_beat = time.monotonic()
        while pending:
            done = {f for f in pending if f.done()}
            for future in sorted(done, key=lambda f: running[f]):
                outcome = future.result()
                outcomes.append(outcome)
                report(outcome)
            pending -= done
            if pending and time.monotonic() - last_beat >= HEARTBEAT:
                names = ", ".join(sorted(running[f] for f in pending))
                print(f"   {clock(time.monotonic() - start)}: still running: {names}", flush=True)
                last_beat = time.monotonic()
            time.sleep(1)

    for outcome in outcomes:
        if not outcome.ok and outcome.log is not None and outcome.name != "check":
            print(f"\n===== {outcome.name}: the end of {outcome.log}\n{tail(outcome.log)}")
    total = time.monotonic() - start
    qa_code = qa_summary()
    print("\n| tier | result | wall time |\n|---|---|---|")
    for outcome in outcomes:
        verdict = "passed" if outcome.ok else "FAILED"
        print(f"| {outcome.name} | {verdict} | {clock(outcome.seconds)} |")
    print(f"| all | | {clock(total)} (budget {clock(FULL_BUDGET)}) |")
    if checked.seconds > CHECK_BUDGET:
        print(
            f"warning: check took {clock(checked.seconds)}, over its {clock(CHECK_BUDGET)} budget"
        )
    if total > FULL_BUDGET:
        print(f"warning: the full run took {clock(total)}, over its {clock(FULL_BUDGET)} budget")
    failed = [o.name for o in outcomes if not o.ok]
    if failed or qa_code != 0:
        print(f"failed: {', '.join(failed) or 'the QA summary'}; temporary files kept in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def qa_summary() -> int:
    """The Markdown QA summary of every tier's JUnit file and the Molecule logs."""
    junit = [RESULTS / f"{name}.xml" for name in ("lint", "unit", "integration", "molecule", "e2e")]
    command = [str(BIN / "nova"), "report", "tests"]
    for path in junit:
        if path.exists():
            command += ["--junit", str(path)]
    molecule_logs = RESULTS / "molecule"
    if molecule_logs.is_dir() and any(molecule_logs.glob("*.log")):
        command += ["--molecule", str(molecule_logs)]
    export = RESULTS / "qa-summary.md"
    command += ["--export", str(export)]
    outcome = run("qa", command, None, False, {})
    print(f"\nQA summary ({export}):")
    # The verdict and the table of suites; the file has the rest.
    head = outcome.detail.split("\n| Module |", 1)[0] if outcome.detail else ""
    print(head.rstrip())
    return outcome.code


def scenario_times() -> None:
    """Each Molecule scenario's own wall time, longest first, from the tier's JUnit file."""
    junit = RESULTS / "molecule.xml"
    if not junit.exists():
        return
    times: list[tuple[float, str]] = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        for prop in case.iter("property"):
            if prop.get("name") == "scenario_seconds":
                name = case.get("name", "").partition("[")[2].rstrip("]")
                times.append((float(prop.get("value", "0")), name))
    for seconds, name in sorted(times, reverse=True):
        print(f"   {name:<20} {clock(seconds)}")


def main(argv: Sequence[str]) -> int:
    signal.signal(signal.SIGTERM, stop_children)
    signal.signal(signal.SIGINT, stop_children)
    if not argv or argv[0] not in ("check", "integration", "molecule", "e2e", "all"):
        print(__doc__, file=sys.stderr)
        return 2
    tier, rest = argv[0], list(argv[1:])
    RESULTS.mkdir(parents=True, exist_ok=True)
    if tier == "all":
        return full_run()
    if tier == "check":
        outcome = check()
    else:
        targets = scenario_targets(rest) if tier == "molecule" else TIER_TARGETS[tier]
        tmp = Path(tempfile.mkdtemp(prefix="nova-tests."))
        outcome = pytest_tier(tier, targets, True, tmp)
        if outcome.ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"temporary files kept in {tmp}")
    report(outcome)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
