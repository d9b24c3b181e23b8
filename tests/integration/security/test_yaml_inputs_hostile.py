"""Hostile YAML for every loader of Nova's YAML inputs: accepted, or refused in one line.

The loaders: inventories, blueprints, phase plans, monitor thresholds,
`nova policy eval` input documents, queue tokens files and roles files.
Hypothesis writes each a hostile file (see hostile_yaml.py); the loader must
return, or raise InputError whose message is one printable line starting
with the file's name, within a few seconds: no other exception, no hang, no
memory blown up by a YAML bomb. Fixed cases run each loader through the real
`nova` command line: exit 2, one line on stderr, no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_yaml import BY_NAME, Loader, documents, dump, prepare
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nova.core.errors import InputError
from nova.core.paths import project_root

WITHIN = 10.0  # seconds a loader may take on any document here


def check_loader(loader: Loader, path: Path) -> str | None:
    """None when the loader accepts the file, else its one-line refusal."""
    started = time.monotonic()
    try:
        loader.load(path)
        refusal = None
    except InputError as exc:
        refusal = str(exc)
        assert refusal.isprintable(), f"not one printable line: {refusal!r}"
        assert refusal.startswith(f"{path}: "), refusal
        assert exc.reason, "a refusal says why"
    assert time.monotonic() - started < WITHIN
    return refusal


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_the_valid_documents_are_accepted(name: str, tmp_path: Path, nova_home: Path) -> None:
    loader = BY_NAME[name]
    assert check_loader(loader, prepare(tmp_path, loader, dump(loader.base))) is None


@pytest.mark.parametrize("name", sorted(BY_NAME))
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_hostile_document_is_accepted_or_refused_in_one_line(
    name: str, data: st.DataObject, tmp_path: Path, nova_home: Path
) -> None:
    loader = BY_NAME[name]
    content = data.draw(documents(loader.base), label="document")
    check_loader(loader, prepare(tmp_path, loader, content))


LAUGHS = b"".join(
    [b"l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    + [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n".encode() for n in range(1, 10)]
)
FIXED = {
    "billion laughs": (LAUGHS, "aliases expand past"),
    "alias inside itself": (b"a: &a\n  b: *a\n", "an alias refers to a node that contains it"),
    "nested 5000 deep": (b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
    "13th month": (b"a: 2026-13-01\n", "value out of range"),
    "5000-digit integer": (b"a: " + b"7" * 5000 + b"\n", "value out of range"),
    "not UTF-8": (b"a: \xff\xfe\n", "not UTF-8"),
}


@pytest.mark.parametrize("name", sorted(BY_NAME))
@pytest.mark.parametrize("case", sorted(FIXED))
def test_bombs_and_impossible_values_are_refused_quickly(
    name: str, case: str, tmp_path: Path, nova_home: Path
) -> None:
    content, reason = FIXED[case]
    loader = BY_NAME[name]
    refusal = check_loader(loader, prepare(tmp_path, loader, content))
    assert refusal is not None and reason in refusal, refusal


# A key or value that would break the message across lines or drive the terminal.
ESCAPES = "bad\nkey\x1b[31m"
ONE_LINE_CASES = {
    "inventory": {"all": {ESCAPES: 1}},
    "blueprint": {**BY_NAME["blueprint"].base, ESCAPES: 1},
    "plan": {"apiVersion": "nova/v1", ESCAPES: 1, "phases": []},
    "thresholds": {"thresholds": [{ESCAPES: 1}]},
    "policy-input": [ESCAPES],
    "tokens": {ESCAPES: "short"},
    "roles": {ESCAPES: 7},
}


def nova(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nova", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=project_root(),
        env={**os.environ, "NOVA_HOME": str(home)},
        check=False,
    )


@pytest.mark.parametrize("name", sorted(BY_NAME))
@pytest.mark.parametrize("case", ["billion laughs", "escapes in a key", "13th month"])
def test_the_command_line_refuses_hostile_files_in_one_line(
    name: str, case: str, tmp_path: Path
) -> None:
    loader = BY_NAME[name]
    content = {
        "billion laughs": LAUGHS,
        "escapes in a key": dump(ONE_LINE_CASES[name]),
        "13th month": FIXED["13th month"][0],
    }[case]
    path = prepare(tmp_path / "in", loader, content)
    started = time.monotonic()
    result = nova(*loader.cli(path, tmp_path), home=tmp_path / "home")
    assert time.monotonic() - started < 30
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nova: {path}: "), result.stderr
    assert lines[0].isprintable()
    if case == "escapes in a key":
        assert "\\x1b[31m" in lines[0] or name == "policy-input", lines[0]
