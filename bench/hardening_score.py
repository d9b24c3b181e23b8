"""Lynis's hardening index of a sandbox node, fresh and after the foundation phase.

One run, one throwaway node (its own NOVA_HOME and NOVA_SANDBOX name):
  1. `nova sandbox up --nodes 1`, then Debian's `lynis` installed on the node
     with apt and `lynis audit system` run on the fresh image;
  2. `nova provision --inventory sandbox --phase foundation`, whatever roles the
     phase holds today, then the same audit again;
  3. both hardening indexes, the suggestions and warnings the second audit
     still makes, and which ones the foundation cleared.
The node is removed at the end. It takes minutes: the foundation installs
Docker and the base packages.

Run: .venv/bin/python bench/hardening_score.py [--keep] [--reports DIR]
     .venv/bin/python bench/hardening_score.py --compare FRESH.dat AFTER.dat
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
REPORT = "/var/log/lynis-report.dat"
AUDIT = ["lynis", "audit", "system", "--no-colors", "--quiet"]
PROVISION_TIMEOUT = 1800


@dataclass
class Audit:
    hardening_index: int
    tests_performed: int
    lynis_version: str
    # One line per finding, "ID: text [detail]": one test ID can make several.
    suggestions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_report(text: str) -> Audit:
    """Lynis's report file: key=value lines, lists as key[]=ID|text|detail|solution|."""
    values: dict[str, str] = {}
    lists: dict[str, list[str]] = {"suggestion": [], "warning": []}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key in ("suggestion[]", "warning[]"):
            ident, text_, detail = [*value.split("|"), "", "", ""][:3]
            finding = f"{ident}: {text_}" + ("" if detail in ("", "-") else f" [{detail}]")
            # Lynis repeats some findings (the SSH ones) in its report.
            if finding not in lists[key[:-2]]:
                lists[key[:-2]].append(finding)
        else:
            values[key] = value
    return Audit(
        hardening_index=int(values.get("hardening_index", "-1")),
        tests_performed=int(values.get("lynis_tests_done", "0") or 0),
        lynis_version=values.get("lynis_version", "?"),
        suggestions=lists["suggestion"],
        warnings=lists["warning"],
    )


def run(cmd: list[str], env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise SystemExit(
            f"{shlex.join(cmd)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return result.stdout


def audit(container: str, env: dict[str, str], keep: Path | None) -> tuple[Audit, float]:
    start = time.perf_counter()
    run(["docker", "exec", container, *AUDIT], env)
    seconds = time.perf_counter() - start
    report = run(["docker", "exec", container, "cat", REPORT], env)
    if keep is not None:
        keep.write_text(report, encoding="utf-8")
    return parse_report(report), seconds


def install_lynis(container: str, env: dict[str, str]) -> None:
    script = (
        "export DEBIAN_FRONTEND=noninteractive; "
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends lynis >/dev/null"
    )
    run(["docker", "exec", container, "bash", "-c", script], env)


def show(label: str, result: Audit, seconds: float) -> None:
    print(
        f"{label:28} index {result.hardening_index:3}  tests {result.tests_performed:4}"
        f"  suggestions {len(result.suggestions):3}  warnings {len(result.warnings):2}"
        f"  ({seconds:.0f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the node running")
    parser.add_argument("--reports", type=Path, help="keep both Lynis reports in this folder")
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("FRESH", "AFTER"),
        help="print the comparison of two kept reports, without a node",
    )
    args = parser.parse_args()
    if args.compare:
        print(f"command: {shlex.join([sys.executable, *sys.argv])}")
        fresh, after = (parse_report(p.read_text(encoding="utf-8")) for p in args.compare)
        compare(fresh, after)
        return 0
    keep = {
        label: (args.reports / f"lynis-{label}.dat" if args.reports else None)
        for label in ("fresh", "after")
    }
    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    nova = str(BIN / "nova")
    with tempfile.TemporaryDirectory(prefix="nova-hardening-") as home:
        env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "NOVA_HOME": home,
            "NOVA_SANDBOX": f"nova-hardening-{os.getpid()}",
        }
        provision = [nova, "provision", "--inventory", "sandbox", "--phase", "foundation"]
        print(f"command: {shlex.join([sys.executable, *sys.argv])}")
        try:
            nodes = json.loads(run([nova, "sandbox", "up", "--nodes", "1", "-o", "json"], env))
            container = nodes[0]["container"]
            install_lynis(container, env)
            fresh, fresh_s = audit(container, env, keep["fresh"])
            start = time.perf_counter()
            run([*provision, "-o", "json"], env, timeout=PROVISION_TIMEOUT)
            foundation_s = time.perf_counter() - start
            after, after_s = audit(container, env, keep["after"])
        finally:
            if not args.keep:
                run([nova, "sandbox", "down"], env)
    print(f"auditor: {shlex.join(AUDIT)} (Debian's lynis {fresh.lynis_version}), report {REPORT}")
    print(f"foundation: {shlex.join(provision[1:])} ({foundation_s:.0f} s)")
    show("fresh sandbox node", fresh, fresh_s)
    show("after the foundation phase", after, after_s)
    compare(fresh, after)
    return 0


def compare(fresh: Audit, after: Audit) -> None:
    print(f"hardening index: {fresh.hardening_index} -> {after.hardening_index}")
    for kind in ("warnings", "suggestions"):
        before, now = getattr(fresh, kind), getattr(after, kind)
        cleared = [f for f in before if f not in now]
        print(f"{kind} the foundation cleared ({len(cleared)}):")
        for finding in cleared:
            print(f"  - {finding}")
        added = [f for f in now if f not in before]
        print(f"{kind} the foundation added ({len(added)}):")
        for finding in added:
            print(f"  - {finding}")
        print(f"{kind} left ({len(now)}):")
        for finding in sorted(now):
            print(f"  - {finding}")


if __name__ == "__main__":
    sys.exit(main())
