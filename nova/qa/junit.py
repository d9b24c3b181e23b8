"""JUnit XML, as pytest writes it with `--junitxml`, read into plain results.

Both layouts are accepted: a `<testsuites>` root holding suites, or a single
`<testsuite>` root. A test case is failed, errored or skipped when it holds
that child element, and passed otherwise. Several files (one per test tier,
say) read into one result that keeps each suite's name, file and time.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nova.core.errors import InputError

OUTCOMES = ("passed", "failed", "error", "skipped")


@dataclass(frozen=True)
class Case:
    suite: str
    classname: str
    name: str
    seconds: float
    outcome: str  # one of OUTCOMES
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.classname}::{self.name}" if self.classname else self.name


@dataclass(frozen=True)
class Suite:
    name: str
    source: Path
    seconds: float  # the suite's own total, which includes setup outside cases
    cases: tuple[Case, ...]

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.cases)


@dataclass
class JunitResults:
    sources: list[Path]
    suites: list[Suite] = field(default_factory=list)
    timestamp: str | None = None

    @property
    def cases(self) -> list[Case]:
        return [case for suite in self.suites for case in suite.cases]

    @property
    def seconds(self) -> float:
        return sum(suite.seconds for suite in self.suites)

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.cases)

    @property
    def ok(self) -> bool:
        return not any(c.outcome in ("failed", "error") for c in self.cases)


def read_junit_files(paths: Sequence[Path]) -> JunitResults:
    """Every file's suites, in the order given."""
    merged = JunitResults(list(paths))
    for path in paths:
        one = read_junit(path)
        merged.suites.extend(one.suites)
        merged.timestamp = merged.timestamp or one.timestamp
    return merged


def read_junit(path: Path) -> JunitResults:
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise InputError(path, None, "JUnit file not found") from None
    except ET.ParseError as exc:
        raise InputError(path, f"line {exc.position[0]}", f"not valid XML ({exc})") from None
    if root.tag == "testsuites":
        suites = root.findall("testsuite")
    elif root.tag == "testsuite":
        suites = [root]
    else:
        raise InputError(path, root.tag, "the root must be <testsuites> or <testsuite>")
    results = JunitResults([path])
    for index, suite in enumerate(suites):
        suite_name = suite.get("name", f"suite {index + 1}")
        results.timestamp = results.timestamp or suite.get("timestamp")
        cases: list[Case] = []
        for number, case in enumerate(suite.iter("testcase")):
            where = f"testsuite[{index}].testcase[{number}]"
            if not case.get("name"):
                raise InputError(path, f"{where}.name", "is required")
            outcome, message = _outcome(case)
            cases.append(
                Case(
                    suite=suite_name,
                    classname=case.get("classname", ""),
                    name=case.get("name", ""),
                    seconds=_seconds(path, f"{where}.time", case.get("time")),
                    outcome=outcome,
                    message=message,
                )
            )
        seconds = _seconds(path, f"testsuite[{index}].time", suite.get("time"))
        results.suites.append(Suite(suite_name, path, seconds, tuple(cases)))
    return results


def _outcome(case: ET.Element) -> tuple[str, str]:
    for tag, outcome in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        element = case.find(tag)
        if element is not None:
            text = element.get("message") or (element.text or "").strip()
            return outcome, text.splitlines()[0] if text else ""
    return "passed", ""


def _seconds(path: Path, where: str, value: str | None) -> float:
    if value is None or value == "":
        return 0.0
    try:
        return float(value)
    except ValueError:
        raise InputError(path, where, f"not a number of seconds: {value!r}") from None
