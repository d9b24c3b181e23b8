"""`nova monitor setup` saves logging settings that every component's logger reads."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nova.monitor.jsonlog import configure, load_settings

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def detach_file_handlers() -> Iterator[None]:
    yield
    logger = logging.getLogger("nova")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


def test_setup_saves_settings_and_shows_where_logs_go(
    nova_cli: Cli, isolated_home: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "var-log-nova"
    code, out, _ = nova_cli(
        "monitor",
        "setup",
        "--dir",
        str(logs),
        "--level",
        "debug",
        "--max-bytes",
        "4096",
        "--output",
        "json",
    )
    assert code == 0
    shown = json.loads(out)
    assert shown["settings_file"] == str(isolated_home / "logging.json")
    assert shown["files"]["queue"] == str(logs / "queue.log")
    saved = json.loads((isolated_home / "logging.json").read_text())
    assert saved == {"directory": str(logs), "level": "DEBUG", "max_bytes": 4096, "backups": 5}
    line = json.loads((logs / "monitor.log").read_text().splitlines()[-1])
    assert line["message"] == "logging configured" and line["level"] == "info"


def test_later_setup_changes_only_what_it_names(nova_cli: Cli, isolated_home: Path) -> None:
    assert nova_cli("monitor", "setup", "--backups", "2")[0] == 0
    code, out, _ = nova_cli("monitor", "setup", "--level", "warning")
    assert code == 0 and "level WARNING" in out and "2 kept" in out
    assert load_settings().backups == 2


def test_bad_option_keeps_the_saved_settings(nova_cli: Cli, isolated_home: Path) -> None:
    assert nova_cli("monitor", "setup", "--max-bytes", "4096")[0] == 0
    saved = (isolated_home / "logging.json").read_text()
    code, out, err = nova_cli("monitor", "setup", "--max-bytes", "10")
    assert code == 2 and out == ""
    assert (
        err == "nova: nova monitor setup: max_bytes: must be a whole number from 1024 to 16 GiB\n"
    )
    assert (isolated_home / "logging.json").read_text() == saved


def test_malformed_settings_file_is_one_line_and_left_alone(
    nova_cli: Cli, isolated_home: Path
) -> None:
    isolated_home.mkdir(parents=True)
    settings = isolated_home / "logging.json"
    settings.write_text('{"level": "INFO",\n "backups": }\n')
    code, _, err = nova_cli("monitor", "setup", "--level", "debug")
    assert code == 2
    assert err == f"nova: {settings}: line 2: invalid JSON: Expecting value\n"
    assert settings.read_text() == '{"level": "INFO",\n "backups": }\n'


def test_configure_rotates_one_file_per_component(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True)
    logs = isolated_home / "logs"
    (isolated_home / "logging.json").write_text(
        json.dumps({"directory": str(logs), "max_bytes": 1024, "backups": 2})
    )
    path = configure("queue")
    assert path == logs / "queue.log"
    for n in range(50):
        logging.getLogger("nova.queue.server").info("task leased", extra={"n": n})
    assert (logs / "queue.log.1").exists() and (logs / "queue.log.2").exists()
    assert not (logs / "queue.log.3").exists()
    assert json.loads(path.read_text().splitlines()[-1])["n"] == 49
