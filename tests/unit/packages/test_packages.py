"""Package names, distributions, the role's aliases and dpkg's answers.

dpkg-query runs for real against this machine's package database; the
packages used are dpkg itself (always installed on Debian) and a name no
distribution ships.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nova.controller import packages
from nova.core.errors import InputError

ABSENT = "nova-no-such-package"
needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg")


def test_names_split_on_commas_and_spaces_once_each() -> None:
    assert packages.parse_names(["docker,kubectl", "jq", "docker"]) == ["docker", "kubectl", "jq"]


@pytest.mark.parametrize("bad", ["Docker", "x", "a;rm", "-rf", "pkg_name"])
def test_bad_name_is_refused_by_name(bad: str) -> None:
    with pytest.raises(InputError) as err:
        packages.parse_names([bad])
    assert str(err.value).startswith(f"--packages: {bad}: not a package name")


def test_no_names_is_refused() -> None:
    with pytest.raises(InputError, match="name at least one package"):
        packages.parse_names([" , "])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('ID=debian\nVERSION_ID="12"\n', "Debian"),
        ('ID=ubuntu\nVERSION_ID="24.04"\n', "Ubuntu"),
        ('ID=linuxmint\nID_LIKE="ubuntu debian"\n', "Ubuntu"),
        ("ID=raspbian\nID_LIKE=debian\n", "Debian"),
        ('ID=fedora\nVERSION_ID="40"\n', ""),
    ],
)
def test_distribution_from_os_release(tmp_path: Path, text: str, expected: str) -> None:
    os_release = tmp_path / "os-release"
    os_release.write_text(text)
    assert packages.distribution(os_release) == expected


def test_distribution_without_os_release(tmp_path: Path) -> None:
    assert packages.distribution(tmp_path / "missing") == ""


def test_aliases_come_from_the_role() -> None:
    debian = packages.aliases("Debian")
    ubuntu = packages.aliases("Ubuntu")
    # Debian's package named `docker` is a system-tray applet, not the engine.
    assert debian["docker"] == "docker.io"
    assert ubuntu["docker"] == "docker.io"
    assert debian["kubectl"] == "kubernetes-client"
    assert "kubectl" not in ubuntu  # no such package on Ubuntu: it stays unknown
    assert packages.aliases("") == {}
    assert packages.aliases("Fedora") == {}


def test_broken_role_vars_name_the_file(tmp_path: Path) -> None:
    vars_dir = tmp_path / "roles" / "base_packages" / "vars"
    vars_dir.mkdir(parents=True)
    (vars_dir / "Debian.yml").write_text("base_packages_os_aliases: [docker\n")
    with pytest.raises(InputError) as err:
        packages.aliases("Debian", root=tmp_path)
    assert str(err.value).startswith(str(vars_dir / "Debian.yml"))
    (vars_dir / "Debian.yml").write_text("base_packages_os_aliases: [docker]\n")
    with pytest.raises(InputError, match="base_packages_os_aliases: must be a mapping"):
        packages.aliases("Debian", root=tmp_path)


def test_dpkg_output_keeps_installed_packages_only() -> None:
    text = (
        "sl\tinstalled\t5.02-1+b1\n"
        "cowsay\tconfig-files\t3.03+dfsg2-8\n"
        "jq\tnot-installed\t\n"
        "garbage line\n"
    )
    assert packages.parse_dpkg_query(text) == {"sl": "5.02-1+b1"}


@needs_dpkg
def test_installed_versions_ask_dpkg() -> None:
    versions = packages.installed_versions(["dpkg", ABSENT])
    assert versions["dpkg"][0].isdigit()
    assert ABSENT not in versions


@needs_dpkg
def test_check_translates_and_reports() -> None:
    states = packages.check(["pkgtool", ABSENT], table={"pkgtool": "dpkg"})
    assert [(s.name, s.package, s.installed) for s in states] == [
        ("pkgtool", "dpkg", True),
        (ABSENT, ABSENT, False),
    ]
    assert states[0].version and states[1].version == ""


@needs_dpkg
def test_cli_reports_missing_and_installs_nothing(
    nova: Callable[..., Any], nova_home: Path
) -> None:
    result = nova("setup", "--packages", "dpkg", ABSENT, "-o", "json")
    data = json.loads(result.stdout)
    assert result.returncode == 1
    assert data["ok"] is False and data["applied"] is False
    assert data["missing"] == [ABSENT]
    assert "run" not in data
    assert [p["installed"] for p in data["packages"]] == [True, False]


@needs_dpkg
def test_cli_all_present_exit_0(nova: Callable[..., Any], nova_home: Path) -> None:
    result = nova("setup", "--packages", "dpkg", "--apply", "-o", "json")
    data = json.loads(result.stdout)
    assert result.returncode == 0
    # Nothing was missing, so nothing ran.
    assert data["ok"] is True and data["applied"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["setup", "docker"], "package names follow --packages"),
        (["setup", "--apply"], "--apply needs --packages"),
        (["setup", "--packages", "-i", "spark", "jq"], "--inventory does not apply"),
        (["setup", "--packages"], "name at least one package"),
        (["setup", "--packages", "Jq"], "--packages: Jq: not a package name"),
    ],
)
def test_cli_usage_errors_exit_2(nova: Callable[..., Any], args: list[str], message: str) -> None:
    result = nova(*args)
    assert result.returncode == 2
    assert message in result.stderr
