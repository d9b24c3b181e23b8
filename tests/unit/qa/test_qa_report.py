"""`nova report tests`: JUnit XML from a real pytest run and captured Molecule output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nova.errors import InputError
from nova.qa.junit import read_junit
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
