"""The workflow users copy, run verbatim on a fresh install: each line's exit code and output.

Each line runs as `python -m nova ...` in its own process, from an empty
folder (the relative export paths land there), with a NOVA_HOME that does
not exist yet and no default inventory set. `setup` exits 1 when a package
is missing; which packages that means is worked out here from the
base_packages role's vars and dpkg itself, not taken from Nova.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = """
python -m nova setup --packages docker kubernetes
python -m nova blueprints
python -m nova roadmap
python -m nova roadmap --phase foundation observability
python -m nova step-plan
python -m nova progress
python -m nova network --vpn wireguard --export orchestration_journal/vpn/wireguard_plan.md
python -m nova backup --plan default --export orchestration_journal/backups/default_plan.md
"""


def distribution() -> str:
    fields = {}
    os_release = Path("/etc/os-release")
    if os_release.is_file():
        for line in os_release.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            fields[key] = value.strip('"')
    family = {fields.get("ID", ""), *fields.get("ID_LIKE", "").split()}
    return "Ubuntu" if "ubuntu" in family else "Debian" if "debian" in family else ""


def packages_meant(names: list[str]) -> list[str]:
    """The Debian packages the names stand for, read from the role's vars file."""
    vars_file = ROOT / "roles" / "base_packages" / "vars" / f"{distribution()}.yml"
    data = yaml.safe_load(vars_file.read_text(encoding="utf-8")) if vars_file.is_file() else {}
    aliases = (data or {}).get("base_packages_os_aliases") or {}
    bundles = (data or {}).get("base_packages_os_bundles") or {}
    tools = [tool for name in names for tool in bundles.get(name, [name])]
    return [aliases.get(tool, tool) for tool in tools]


def setup_exit_code(names: list[str]) -> int:
    """0 when dpkg has every package installed, else 1 (also without dpkg: nothing to ask)."""
    if shutil.which("dpkg-query") is None:
        return 1
    wanted = packages_meant(names)
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n", *wanted],
        capture_output=True,
        text=True,
        check=False,
    )
    installed = {
        line.split()[0] for line in proc.stdout.splitlines() if line.endswith(" installed")
    }
    return 0 if set(wanted) <= installed else 1


@pytest.fixture
def fresh(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An empty working folder and the environment of a fresh install."""
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("NOVA_INVENTORY", "COLUMNS")}
    env["NOVA_HOME"] = str(tmp_path / "fresh-nova-home")  # does not exist yet
    env["PYTHONPATH"] = str(ROOT)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return work, env


def test_the_workflow_runs_verbatim_on_a_fresh_install(fresh: tuple[Path, dict[str, str]]) -> None:
    work, env = fresh
    results = {}
    for line in WORKFLOW.strip().splitlines():
        argv = shlex.split(line)
        assert argv[:3] == ["python", "-m", "nova"]
        proc = subprocess.run(
            [sys.executable, *argv[1:]],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert "Traceback" not in proc.stderr, f"{line}\n{proc.stderr}"
        assert proc.stdout.strip(), f"{line} printed nothing\n{proc.stderr}"
        results[line] = proc
    codes = {line: proc.returncode for line, proc in results.items()}
    setup_line = next(line for line in codes if " setup " in line)
    expected = {line: 0 for line in codes}
    expected[setup_line] = setup_exit_code(["docker", "kubernetes"])
    assert codes == expected, {line: results[line].stderr[-500:] for line in codes}

    selected = results["python -m nova roadmap --phase foundation observability"].stdout
    assert "foundation" in selected and "observability" in selected
    assert "experience" not in selected and "experience" in results["python -m nova roadmap"].stdout
    assert "kubernetes" in results[setup_line].stdout

    vpn = work / "orchestration_journal" / "vpn" / "wireguard_plan.md"
    vpn_text = vpn.read_text(encoding="utf-8")
    assert vpn_text.startswith("# wireguard plan for inventory `local`")
    assert "This is a plan: nothing has been changed on any host." in vpn_text
    assert "## Steps" in vpn_text

    backup = work / "orchestration_journal" / "backups" / "default_plan.md"
    backup_text = backup.read_text(encoding="utf-8")
    assert backup_text.startswith("# Backup plan `default`")
    assert "This is a plan: nothing has been run, installed or backed up." in backup_text
    assert "| backs up |" in backup_text
