from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nova.kpi.store import KpiStore


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("NOVA_HOME", str(home))
    return home


@pytest.fixture
def store(tmp_path: Path) -> Iterator[KpiStore]:
    kpis = KpiStore(tmp_path / "kpi.db")
    yield kpis
    kpis.close()


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "thresholds.yml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def nova_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """`nova` as a user runs it, in this process: (exit code, stdout, stderr)."""
    from nova import cli

    monkeypatch.setitem(cli.COMMANDS, "monitor", ("nova.cli.monitor:monitor", "monitoring"))

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            cli.main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:
            code = 0
        out, err = capsys.readouterr()
        return code, out, err

    return run
