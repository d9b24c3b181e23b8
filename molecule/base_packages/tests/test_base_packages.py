"""What base_packages leaves on a host: the packages, working, and fresh apt lists."""

import pytest

WANTED = [
    "python3",
    "python3-venv",
    "python3-pip",
    "python3-dev",
    "build-essential",
    "pkg-config",
    "git",
    "ca-certificates",
    "curl",
    "gnupg",
    "rsync",
    "jq",
    "sl",
]


@pytest.mark.parametrize("name", WANTED)
def test_package_installed(host, name):
    assert host.package(name).is_installed


def test_python_makes_a_venv_with_pip(host):
    host.run_expect([0], "rm -rf /tmp/probe-venv")
    host.run_expect([0], "python3 -m venv /tmp/probe-venv")
    out = host.check_output("/tmp/probe-venv/bin/python -m pip --version")
    assert out.startswith("pip ")


def test_build_tools_compile(host):
    host.run_expect([0], "printf 'int main(void){return 7;}' > /tmp/probe.c")
    host.run_expect([0], "cc -o /tmp/probe /tmp/probe.c")
    assert host.run("/tmp/probe").rc == 7


def test_extra_package_from_group_vars(host):
    assert host.file("/usr/games/sl").is_file


def test_refreshes_are_stamped(host):
    hook = host.file("/etc/apt/apt.conf.d/15nova-update-stamp")
    assert hook.mode == 0o644
    assert "update-success-stamp" in hook.content_string
    stamp = host.file("/var/lib/apt/periodic/update-success-stamp")
    now = int(host.check_output("date +%s"))
    assert now - stamp.mtime.timestamp() < 3600  # within cache_valid_time


def test_unknown_package_left_nothing_installed(host):
    assert not host.package("cowsay").is_installed
