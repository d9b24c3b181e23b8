"""`nova backup self` against the tarball a user would otherwise make, on the same NOVA_HOME.

A synthetic NOVA_HOME (a state store with rows, reports, logs) is backed up
three times: first run, unchanged second run, then after one new report. For
each run it prints the wall time and the bytes the backup added; tar writes
a full compressed archive every time, restic only what changed.

Run: .venv/bin/python bench/backup_self.py [--reports 400]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nova.backup.home import backup_home


def make_home(home: Path, reports: int) -> None:
    (home / "reports").mkdir(parents=True)
    (home / "logs").mkdir()
    with sqlite3.connect(home / "state.db") as db:
        db.execute("CREATE TABLE runs (id TEXT, body TEXT)")
        db.executemany(
            "INSERT INTO runs VALUES (?, ?)",
            [(f"run-{i}", os.urandom(512).hex()) for i in range(5000)],
        )
    for i in range(reports):
        (home / "reports" / f"run-{i}.md").write_text(f"# run {i}\n" + "| host | ok |\n" * 400)
    (home / "logs" / "nova.log").write_bytes(os.urandom(2_000_000))


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=400)
    args = parser.parse_args()
    if shutil.which("restic") is None:
        print("restic is not installed (apt-get install restic)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        home = root / "nova"
        make_home(home, args.reports)
        os.environ["NOVA_HOME"] = str(home)
        print(f"NOVA_HOME: {folder_size(home) / 1e6:.1f} MB in {args.reports + 2} files")
        print(f"{'run':<10} {'restic s':>9} {'restic +MB':>11} {'tar s':>7} {'tar +MB':>8}")
        for label in ("first", "unchanged", "one more"):
            if label == "one more":
                (home / "reports" / "new.md").write_text("# new\n" * 100)
            start = time.perf_counter()
            added = backup_home().bytes_added
            restic_s = time.perf_counter() - start
            archive = root / f"tar-{label.replace(' ', '-')}.tar.gz"
            start = time.perf_counter()
            subprocess.run(["tar", "czf", str(archive), "-C", str(root), "nova"], check=True)
            tar_s = time.perf_counter() - start
            print(
                f"{label:<10} {restic_s:>9.2f} {added / 1e6:>11.2f} "
                f"{tar_s:>7.2f} {archive.stat().st_size / 1e6:>8.2f}"
            )
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
