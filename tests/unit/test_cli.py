"""The command line as a user meets it: help, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HEAVY = ("ansible_runner", "ansible", "grpc", "regopy", "redis", "rich")


def test_help_lists_commands_without_heavy_imports() -> None:
    code = (
        "import sys\n"
        "from nova.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    for command in ("provision", "sandbox", "plan", "runs", "setup", "containers"):
        assert f"  {command} " in out.stdout
    assert "HEAVY []" in out.stdout


def test_unknown_inventory_is_a_one_line_error_exit_2(
    nova: Callable[..., Any], nova_home: Path
) -> None:
    result = nova("provision", "--inventory", "nosuchcluster", "--phase", "foundation")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("nova: nosuchcluster: --inventory: no inventory with that name")
    assert not (nova_home / "state.db").exists()  # nothing recorded for bad input


def test_broken_extra_vars_file_leaves_no_run(
    nova: Callable[..., Any], nova_home: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("x: [1\n")
    result = nova("provision", "-i", "spark", "-e", f"@{bad}")
    assert result.returncode == 2
    assert result.stderr.startswith(f"nova: {bad}: line ")
    assert not (nova_home / "state.db").exists()


def test_unknown_phase_exit_2(nova: Callable[..., Any], nova_home: Path) -> None:
    result = nova("provision", "-i", "spark", "--phase", "nope")
    assert result.returncode == 2
    assert "unknown phase 'nope'" in result.stderr


def test_plan_json(nova: Callable[..., Any]) -> None:
    result = nova("plan", "--output", "json")
    assert result.returncode == 0
    phases = json.loads(result.stdout)
    assert phases[0]["phase"] == "foundation"
    assert phases[1]["agents"] == ["orion", "chronos"]


def test_setup_creates_home_and_reports_json(nova: Callable[..., Any], nova_home: Path) -> None:
    result = nova("setup", "--output", "json")
    data = json.loads(result.stdout)
    names = {c["name"] for c in data["checks"]}
    assert {"python", "ansible-core", "docker", "disk", "cpu", "memory", "gpu"} <= names
    assert nova_home.is_dir()
    failed = [c for c in data["checks"] if c["status"] == "fail"]
    assert result.returncode == (1 if failed else 0)
    assert data["ok"] is (not failed)


def test_setup_usage_error_is_exit_2(nova: Callable[..., Any]) -> None:
    assert nova("setup", "--output", "yaml").returncode == 2


def test_containers_report(nova: Callable[..., Any], tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\ncurrent-context: spark\ncontexts: []\n")
    export = tmp_path / "containers.md"
    result = nova(
        "containers",
        "--require",
        "docker",
        "--export",
        str(export),
        "-o",
        "json",
        env={"KUBECONFIG": str(kubeconfig)},
    )
    data = json.loads(result.stdout)
    tools = {t["name"]: t for t in data["tools"]}
    assert set(tools) == {"docker", "podman", "kubectl", "k3s", "helm"}
    assert data["kubeconfig"] == {
        "path": str(kubeconfig),
        "exists": True,
        "parses": True,
        "current_context": "spark",
        "error": None,
    }
    assert result.returncode == (1 if data["missing_required"] else 0)
    assert "| docker |" in export.read_text()


def test_containers_missing_required_tool_fails(nova: Callable[..., Any], tmp_path: Path) -> None:
    result = nova("containers", "--require", "helm", "-o", "json", env={"PATH": "/nonexistent"})
    data = json.loads(result.stdout)
    assert "helm" in data["missing_required"]
    assert result.returncode == 1
