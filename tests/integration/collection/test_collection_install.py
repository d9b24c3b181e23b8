"""The nova.spark collection works from its tarball, away from the repository.

The collection is built with `ansible-galaxy collection build`, installed
offline into a temporary folder, and its playbooks are run from there with
real ansible-playbook: the working folder is outside the repository, the
repository's ansible.cfg and roles/ are out of reach, and
ANSIBLE_COLLECTIONS_PATH names the temporary folder and the collections the
`ansible` package ships in site-packages. No hosts are changed: the playbooks
are syntax-checked and listed, and the filters run on localhost.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from collection_tarball import BIN, SOURCE, build, install, isolated_env, run

ROLES = sorted(p.name for p in (SOURCE / "roles").iterdir() if (p / "tasks").is_dir())
PLAYBOOKS = sorted(p.name for p in (SOURCE / "playbooks").glob("*.yml"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("collection")


@pytest.fixture(scope="module")
def tarball(workdir: Path) -> Path:
    return build(SOURCE, workdir / "build")


@pytest.fixture(scope="module")
def installed(workdir: Path, tarball: Path) -> Path:
    return install(tarball, workdir / "installed")


@pytest.fixture(scope="module")
def ansible_env(workdir: Path, installed: Path) -> dict[str, str]:
    """An environment that reaches the installed collection and nothing of the repository."""
    return isolated_env(workdir, installed)


def playbook(workdir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(str(BIN / "ansible-playbook"), "-i", "localhost,", *args, cwd=workdir, env=env)


def foundation_roles() -> list[str]:
    plays = yaml.safe_load((SOURCE / "playbooks" / "foundation.yml").read_text())
    return [entry["role"] for play in plays for entry in play.get("roles", [])]


def test_the_tarball_leaves_out_molecule_and_caches(workdir: Path, tarball: Path) -> None:
    copy = workdir / "planted" / "spark"
    shutil.copytree(SOURCE, copy, symlinks=True)
    for junk in (
        "molecule/default/converge.yml",
        "roles/firewall/molecule/default/converge.yml",
        ".pytest_cache/v/cache/nodeids",
        "roles/users/.ansible/tmp/x",
        "plugins/filter/__pycache__/wireguard_layout.cpython-311.pyc",
        ".ruff_cache/x",
    ):
        (copy / junk).parent.mkdir(parents=True, exist_ok=True)
        (copy / junk).write_text("junk\n")
    for built in (tarball, build(copy, workdir / "planted-build")):
        with tarfile.open(built) as archive:
            names = archive.getnames()
        assert "MANIFEST.json" in names
        unwanted = [
            n
            for n in names
            if "molecule" in n.split("/")
            or "__pycache__" in n.split("/")
            or any(part.startswith(".") for part in n.split("/"))
        ]
        assert unwanted == [], built.name


def test_the_installed_collection_carries_the_readmes_and_playbooks(installed: Path) -> None:
    spark = installed / "ansible_collections" / "nova" / "spark"
    for role in ROLES:
        readme = spark / "roles" / role / "README.md"
        assert readme.read_text() == (SOURCE / "roles" / role / "README.md").read_text()
        assert "## Role variables" in readme.read_text()
    assert sorted(p.name for p in (spark / "playbooks").glob("*.yml")) == PLAYBOOKS
    assert "site.yml" in PLAYBOOKS and "foundation.yml" in PLAYBOOKS
    assert (spark / "plugins" / "filter" / "wireguard_layout.py").is_file()


def test_site_passes_the_syntax_check(
    workdir: Path, installed: Path, ansible_env: dict[str, str]
) -> None:
    proc = playbook(workdir, ansible_env, "nova.spark.site", "--syntax-check")
    site = installed / "ansible_collections" / "nova" / "spark" / "playbooks" / "site.yml"
    assert f"playbook: {site}" in proc.stdout


def test_site_lists_the_tasks_of_every_foundation_role(
    workdir: Path, ansible_env: dict[str, str]
) -> None:
    proc = playbook(workdir, ansible_env, "nova.spark.site", "--list-tasks")
    roles = foundation_roles()
    assert len(roles) >= 9 and all(r.startswith("nova.spark.") for r in roles)
    listed = {line.split(" : ")[0].strip() for line in proc.stdout.splitlines() if " : " in line}
    assert sorted(set(roles) - listed) == []
    plays = (
        "Foundation - each host's own base",
        "Foundation - the VPN mesh",
        "Model operations",
        "Data services",
        "Experience",
        "Observability exporters",
        "Observability server",
    )
    for play in plays:
        assert f"): {play}\t" in proc.stdout, play


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_every_playbook_passes_the_syntax_check_by_path(
    name: str, workdir: Path, installed: Path, ansible_env: dict[str, str]
) -> None:
    """Names with a hyphen cannot be a playbook FQCN; the installed file runs by path."""
    path = installed / "ansible_collections" / "nova" / "spark" / "playbooks" / name
    playbook(workdir, ansible_env, str(path), "--syntax-check")


def test_the_filters_run_from_the_installed_collection(
    workdir: Path, ansible_env: dict[str, str]
) -> None:
    play = workdir / "filters.yml"
    play.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - ansible.builtin.debug:\n"
        "        msg: >-\n"
        "          {{ '10.8.0.0/24' | nova.spark.openvpn_network_netmask }} /\n"
        "          {{ (['a', 'b'] | nova.spark.wireguard_layout({}, '10.9.0.0/24')).b.address }}\n"
    )
    proc = playbook(workdir, ansible_env, "-c", "local", str(play))
    assert "10.8.0.0 255.255.255.0 / 10.9.0.2" in proc.stdout
