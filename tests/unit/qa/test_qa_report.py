"""`nova report tests`: JUnit XML from a real pytest run and captured Molecule output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nova.core.errors import InputError
from nova.qa.junit import read_junit, read_junit_files
from nova.qa.molecule import read_molecule_dir, read_molecule_output
from nova.qa.report import QaSummary, render_qa

DATA = Path(__file__).resolve().parent / "data"

SAMPLE_TESTS = """
import pytest

def test_adds():
    assert 1 + 1 == 2

def test_breaks():
    assert "disk" == "full", "the disk is full"

@pytest.mark.skip(reason="needs a GPU")
def test_gpu():
    pass

@pytest.fixture
def broken_fixture():
    raise RuntimeError("fixture exploded")

def test_errors(broken_fixture):
    pass
"""


@pytest.fixture(scope="module")
def junit_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The JUnit XML of a real pytest run over a small test module."""
    folder = tmp_path_factory.mktemp("sample")
    (folder / "test_sample.py").write_text(SAMPLE_TESTS)
    # Its own rootdir, wherever the temporary folder is (even under this checkout).
    (folder / "pytest.ini").write_text("[pytest]\n")
    xml = folder / "junit.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={xml}",
            str(folder / "test_sample.py"),
        ],
        cwd=folder,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return xml


def test_junit_outcomes_come_from_the_xml(junit_file: Path) -> None:
    results = read_junit(junit_file)
    outcomes = {c.name: c.outcome for c in results.cases}
    assert outcomes == {
        "test_adds": "passed",
        "test_breaks": "failed",
        "test_gpu": "skipped",
        "test_errors": "error",
    }
    broken = next(c for c in results.cases if c.name == "test_breaks")
    assert "the disk is full" in broken.message
    assert not results.ok


def test_molecule_actions_and_recap_from_a_captured_run() -> None:
    (scenario,) = read_molecule_output(DATA / "molecule-users-create-failed.log")
    assert scenario.name == "users"
    assert [(a.name, a.state) for a in scenario.actions] == [
        ("destroy", "successful"),
        ("create", "failed"),
        ("cleanup", "missing"),
        ("destroy", "successful"),
    ]
    assert "Ansible return code was 2" in scenario.actions[1].message
    assert scenario.counts == {
        "actions": 4,
        "successful": 2,
        "disabled": 0,
        "skipped": 0,
        "missing": 1,
        "failed": 1,
    }
    assert scenario.outcome == "failed"


def test_an_idempotence_failure_names_the_tasks(tmp_path: Path) -> None:
    log = tmp_path / "base.log"
    log.write_text(
        "INFO     [base > converge] Executed: Successful\n"
        "ERROR    [base > idempotence] Executed: Failed (Idempotence test failed because of the"
        " following tasks:\n"
        "* [node1] => base_packages : Install packages\n"
        "* [node1] => base_packages : Write motd)\n"
        "INFO     [base > destroy] Executed: Successful\n"
    )
    (scenario,) = read_molecule_output(log)
    assert scenario.not_idempotent == [
        "[node1] => base_packages : Install packages",
        "[node1] => base_packages : Write motd",
    ]
    assert scenario.outcome == "failed"


def test_the_summary_names_every_failure(junit_file: Path) -> None:
    summary = QaSummary(read_junit(junit_file), read_molecule_dir(DATA))
    text = render_qa(summary)
    assert text.startswith("# QA summary: FAIL")
    assert "| 4 | 1 | 1 | 1 | 1 |" in text
    assert "**failed** `test_sample::test_breaks`" in text
    assert "`test_sample::test_gpu`: needs a GPU" in text
    assert "| users | failed | destroy: successful, create: failed" in text


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<testsuites><testsuite>")
    with pytest.raises(InputError, match=r"bad\.xml: line 1: not valid XML"):
        read_junit(bad)
    bad.write_text('<testsuite><testcase name="x" time="soon"/></testsuite>')
    with pytest.raises(InputError, match=r"testsuite\[0\]\.testcase\[0\]\.time: not a number"):
        read_junit(bad)
    bad.write_text("<html/>")
    with pytest.raises(InputError, match="root must be"):
        read_junit(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"holds no \.log/\.txt/\.out files"):
        read_molecule_dir(empty)


def test_one_summary_from_several_tiers(junit_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "integration.xml"
    other.write_text(
        '<testsuites><testsuite name="integration" time="41.5" timestamp="2026-12-03T10:00:00">'
        '<testcase classname="tests.integration.test_q" name="test_claims" time="3.2"/>'
        "</testsuite></testsuites>"
    )
    results = read_junit_files([junit_file, other])
    assert [s.name for s in results.suites] == ["pytest", "integration"]
    assert len(results.cases) == 5 and results.count("passed") == 2
    assert results.seconds == pytest.approx(results.suites[0].seconds + 41.5)
    text = render_qa(QaSummary(results))
    assert "| integration | 1 | 1 | 0 | 0 | 0 | 41.5 |" in text
    assert f"Sources `{junit_file}`, `{other}`" in text


def test_no_test_case_is_no_evidence_not_a_pass(tmp_path: Path, nova: Any) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_text('<testsuite name="unit" time="0.1"></testsuite>')
    summary = QaSummary(read_junit(empty))
    assert summary.verdict == "no evidence" and not summary.ok
    assert render_qa(summary).startswith("# QA summary: NO EVIDENCE")
    result = nova("report", "tests", "--junit", str(empty))
    assert result.returncode == 1, result.stdout + result.stderr
