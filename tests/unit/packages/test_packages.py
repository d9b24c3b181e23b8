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


def test_kubernetes_stands_for_kubectl_and_the_runtime_through_the_aliases() -> None:
    for distro in ("Debian", "Ubuntu"):
        assert packages.bundles(distro)["kubernetes"] == ["kubectl", "containerd"]
    debian = packages.resolve(
        ["docker", "kubernetes"], packages.aliases("Debian"), packages.bundles("Debian")
    )
    assert debian == [
        ("", "docker", "docker.io"),
        ("kubernetes", "kubectl", "kubernetes-client"),
        ("kubernetes", "containerd", "containerd"),
    ]
    # Ubuntu packages no kubectl: the name stays as typed, and apt will not know it.
    ubuntu = packages.resolve(
        ["kubernetes"], packages.aliases("Ubuntu"), packages.bundles("Ubuntu")
    )
    assert [package for _, _, package in ubuntu] == ["kubectl", "containerd"]
    assert packages.bundles("") == {} and packages.bundles("Fedora") == {}


def test_a_bundle_must_list_names(tmp_path: Path) -> None:
    vars_dir = tmp_path / "roles" / "base_packages" / "vars"
    vars_dir.mkdir(parents=True)
    (vars_dir / "Debian.yml").write_text("base_packages_os_bundles: {kubernetes: kubectl}\n")
    with pytest.raises(InputError, match=r"base_packages_os_bundles\.kubernetes: must be a list"):
        packages.bundles("Debian", root=tmp_path)


def test_madison_lists_what_apt_offers_first_version_first() -> None:
    text = (
        "containerd | 1.6.20~ds1-1+deb12u3 | http://deb.debian.org/debian bookworm/main amd64\n"
        "containerd | 1.6.20~ds1-1+deb12u2 | http://deb.debian.org/debian-security bookworm\n"
        "kubernetes-client | 1.20.5+really1.20.2-1.1+deb12u1 | http://deb.debian.org/debian\n"
    )
    assert packages.parse_madison(text) == {
        "containerd": "1.6.20~ds1-1+deb12u3",
        "kubernetes-client": "1.20.5+really1.20.2-1.1+deb12u1",
    }


def test_without_package_lists_apt_cannot_say(tmp_path: Path) -> None:
    assert packages.offered_versions(["containerd"], lists=tmp_path) is None


@needs_dpkg
def test_a_missing_package_is_installable_or_unknown() -> None:
    states = packages.check(
        ["tool", ABSENT, "pkgtool"],
        table={"tool": "nova-test-tool", "pkgtool": "dpkg"},
        groups={},
        offered=lambda names: {"nova-test-tool": "1.0-1"},
    )
    assert [(s.package, s.installed, s.available, s.candidate) for s in states] == [
        ("nova-test-tool", False, True, "1.0-1"),
        (ABSENT, False, False, ""),
        ("dpkg", True, None, ""),
    ]


needs_debian = pytest.mark.skipif(
    packages.distribution() != "Debian" or shutil.which("dpkg-query") is None,
    reason="needs Debian's dpkg",
)


@needs_debian
def test_cli_reports_kubernetes_as_the_tools_it_stands_for(
    nova: Callable[..., Any], nova_home: Path
) -> None:
    result = nova("setup", "--packages", "docker", "kubernetes", "-o", "json")
    data = json.loads(result.stdout)
    rows = [(p["asked"], p["name"], p["package"]) for p in data["packages"]]
    assert rows == [
        ("", "docker", "docker.io"),
        ("kubernetes", "kubectl", "kubernetes-client"),
        ("kubernetes", "containerd", "containerd"),
    ]
    # No package is named `kubernetes`, and none is reported missing under that name.
    assert "kubernetes" not in data["missing"]
    wanted = ["docker.io", "kubernetes-client", "containerd"]
    here = packages.installed_versions(wanted)
    assert data["missing"] == [p for p in wanted if p not in here]
    assert result.returncode == (1 if data["missing"] else 0)


@needs_debian
def test_cli_says_when_no_apt_source_offers_a_name(
    nova: Callable[..., Any], nova_home: Path
) -> None:
    if packages.offered_versions(["dpkg"]) is None:
        pytest.skip("no apt package lists on this machine")
    result = nova("setup", "--packages", ABSENT)
    assert result.returncode == 1
    assert "unknown" in result.stdout
    assert f"{ABSENT}: no package of that name in the apt sources" in " ".join(
        result.stdout.split()
    )
    data = json.loads(nova("setup", "--packages", ABSENT, "-o", "json").stdout)
    assert data["unknown"] == [ABSENT] and data["packages"][0]["available"] is False


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
