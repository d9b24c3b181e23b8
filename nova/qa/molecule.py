"""Molecule output, as `molecule test` prints it, read into per-scenario results.

A folder holds one captured run per file (`*.log`, `*.txt` or `*.out`: the
combined stdout and stderr of `molecule test -s <scenario>`, with or without
`--report`). Each action's completion line, `[scenario > action] Executed:
...`, gives its state; the SCENARIO RECAP line, when present, gives the
counts; the idempotence check lists the tasks that changed on a second run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nova.core.errors import InputError

SUFFIXES = (".log", ".txt", ".out")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ACTION = re.compile(
    r"^(?:[A-Z]+\s+)?\[(?P<scenario>[\w.-]+) > (?P<action>[\w-]+)\] Executed: (?P<message>.*)$"
)
DETAIL = re.compile(r"^(?P<scenario>[\w.-]+) > (?P<action>[\w-]+): Executed: (?P<message>.*)$")
RECAP = re.compile(r"^(?P<scenario>[\w.-]+)\s+: actions=(?P<actions>\d+)\s+(?P<counts>.*)$")
IDEMPOTENCE = "Idempotence test failed because of the following tasks:"
STATES = ("successful", "failed", "partial", "skipped", "missing", "disabled")


@dataclass(frozen=True)
class Action:
    name: str
    state: str  # one of STATES
    message: str


@dataclass
class Scenario:
    name: str
    source: Path
    actions: list[Action] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    not_idempotent: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        failed = self.counts.get("failed", 0) or any(a.state == "failed" for a in self.actions)
        if failed or self.not_idempotent:
            return "failed"
        if not self.actions:
            return "no result"
        return "passed"


def read_molecule_dir(folder: Path) -> list[Scenario]:
    if not folder.is_dir():
        raise InputError(folder, "--molecule", "not a folder")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    if not files:
        raise InputError(folder, "--molecule", f"holds no {'/'.join(SUFFIXES)} files")
    scenarios: list[Scenario] = []
    for path in files:
        scenarios.extend(read_molecule_output(path))
    return scenarios


def read_molecule_output(path: Path) -> list[Scenario]:
    """The scenarios one captured run reports, in the order they first appear."""
    lines = [ANSI.sub("", line).rstrip() for line in path.read_text(errors="replace").splitlines()]
    found: dict[str, Scenario] = {}

    def scenario(name: str) -> Scenario:
        return found.setdefault(name, Scenario(name, path))

    for match in filter(None, (ACTION.match(line) for line in lines)):
        action = _action(match)
        scenario(match["scenario"]).actions.append(action)
    details: dict[str, list[Action]] = {}
    for match in filter(None, (DETAIL.match(line) for line in lines)):
        details.setdefault(match["scenario"], []).append(_action(match))
    for name, listed in details.items():
        # The --report DETAILS section repeats the actions with their notes in full.
        logged = scenario(name).actions
        if [a.name for a in logged] in ([], [a.name for a in listed]):
            scenario(name).actions = listed
    for match in filter(None, (RECAP.match(line) for line in lines)):
        counts = dict(re.findall(r"(\w+)=(\d+)", match["counts"]))
        scenario(match["scenario"]).counts = {"actions": int(match["actions"])} | {
            k: int(v) for k, v in counts.items()
        }
    for index, line in enumerate(lines):
        if IDEMPOTENCE in line:
            changed = []
            for follow in lines[index + 1 :]:
                if not follow.strip().startswith("*"):
                    break
                changed.append(follow.strip().lstrip("* ").rstrip(")"))
            owner = _last_scenario_before(lines, index) or path.stem
            scenario(owner).not_idempotent.extend(changed)
    return list(found.values())


def _action(match: re.Match[str]) -> Action:
    message = match["message"].strip()
    head = message.split(" (", 1)[0].strip().lower()
    if head in STATES:
        state = head
    elif head.startswith("missing"):
        state = "missing"
    else:
        state = "partial"  # e.g. "2 successful, 1 failed" from a multi-part verify
        if re.search(r"\b[1-9]\d* failed", head):
            state = "failed"
    return Action(match["action"], state, message)


def _last_scenario_before(lines: list[str], index: int) -> str | None:
    for line in reversed(lines[:index]):
        if match := re.search(r"\[([\w.-]+) > [\w-]+\]", line):
            return match.group(1)
    return None
