"""`nova backup self` refusals through the real command line (`nova.cli.main`).

Each must stop before restic runs: nothing is made under the working
directory (never a folder named after a remote repository), nothing is
written to NOVA_HOME, and a password given in a URL is never repeated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import run_main

from nova.core.errors import EXIT_USAGE

CLEAN_ENV: dict[str, str | None] = {
    name: None
    for name in (
        "RESTIC_PASSWORD",
        "RESTIC_PASSWORD_FILE",
        "RESTIC_REST_USERNAME",
        "RESTIC_REST_PASSWORD",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    )
}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "s3:https://nova-backups.example"], "names no bucket"),
        (["--repo", "s3:https:"], "not a valid URL"),
        (["--repo", "foo:bar"], "'foo:' is not a repository form"),
        (["--repo", ""], "is empty"),
        (["--repo", "s3:https://host/bucket"], "an S3 repository needs AWS_ACCESS_KEY_ID"),
        (["--repo", "rest:http://127.0.0.1:9/"], "a remote repository needs its password"),
        (["--repo", "rest:http://nova:topsecret9@127.0.0.1:9/"], "holds a password"),
        (["--snapshot", "latest"], "--snapshot goes with --restore"),
        (["--repo", "/tmp/x", "--credentials-file", "/tmp/c"], "a local repository takes none"),
    ],
)
def test_command_line_refusals_make_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    home = tmp_path / "nova"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    outcome = run_main("backup", "self", *args, env={**CLEAN_ENV, "NOVA_HOME": str(home)}, cwd=work)
    assert outcome.code == EXIT_USAGE, outcome.stderr
    assert message in outcome.stderr
    assert "Traceback" not in outcome.stderr and "topsecret9" not in outcome.stderr
    assert list(work.iterdir()) == []  # never a folder named after the repository
    assert list(home.iterdir()) == []  # refused before anything ran: no audit entry either


def test_restore_into_a_non_empty_home_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "nova"
    home.mkdir()
    (home / "state.db").write_bytes(b"kept")
    outcome = run_main(
        "backup", "self", "--restore", env={**CLEAN_ENV, "NOVA_HOME": str(home)}, cwd=tmp_path
    )
    assert outcome.code == EXIT_USAGE
    assert outcome.stderr.strip() == (
        f"nova: {home}: NOVA_HOME: is not empty; restore into an empty or missing NOVA_HOME"
    )
    assert [p.name for p in home.iterdir()] == ["state.db"]
    assert (home / "state.db").read_bytes() == b"kept"


def test_restore_refuses_a_bad_snapshot_id(tmp_path: Path) -> None:
    outcome = run_main(
        "backup",
        "self",
        "--restore",
        "--snapshot",
        "../../etc",
        env={**CLEAN_ENV, "NOVA_HOME": str(tmp_path / "nova")},
        cwd=tmp_path,
    )
    assert outcome.code == EXIT_USAGE
    assert "--snapshot: must be a snapshot id (8-64 hex digits) or latest" in outcome.stderr
    assert not (tmp_path / "nova").exists()
