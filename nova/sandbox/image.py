"""The sandbox image: a minimal Debian bookworm with systemd and sshd.

No image registry is needed: the root filesystem is debootstrapped from the
machine's own Debian mirror and imported into Docker.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from nova.core.errors import NovaError
from nova.sandbox.docker import ensure_daemon, image_label, import_rootfs

IMAGE = "nova/sandbox:bookworm"
# Raised whenever the recipe below changes, so an older local image is rebuilt.
REVISION = "3"
REVISION_LABEL = "org.nova.sandbox.revision"
SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
PACKAGES = [
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "python3",
    "python3-apt",
    "sudo",
    "iproute2",
    "iputils-ping",
    "ca-certificates",
    "procps",
    "gnupg",
]
# Every container must get its own SSH host keys, so they are made at first boot.
HOSTKEY_UNIT = """[Unit]
Description=Generate SSH host keys on first boot
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
"""
# Units that make no sense in a container and only slow the boot.
MASKED_UNITS = ["getty@tty1.service", "systemd-udevd.service", "systemd-modules-load.service"]
# As in Docker's own Debian images: a throwaway container's disk needs no fsync
# per unpacked file, and nobody reads manual pages in it. Package installs are
# otherwise unchanged (same packages, same maintainer scripts).
DPKG_SETTINGS = """force-unsafe-io
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
"""
DEBCONF_SELECTIONS = "man-db man-db/auto-update boolean false\n"
# systemd empties /tmp at boot ("D /tmp" in /usr/lib/tmpfiles.d/tmp.conf, a file
# meant to be overridden). A container starts from the image with an empty /tmp
# anyway, so in one the wipe cleans nothing and only races with Ansible's first
# module, whose payload lives in /tmp while it runs (seen right after a Molecule
# create: "No such file or directory: /tmp/ansible_..._payload.zip").
TMP_TMPFILES = "d /tmp 1777 root root -\n#q /var/tmp 1777 root root 30d\n"


def configured_mirror(sources: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine already uses, so the build needs no other host."""
    override = os.environ.get("NOVA_DEBIAN_MIRROR")
    if override:
        return override
    candidates = [
        *sorted(sources.glob("sources.list.d/*.sources")),
        sources / "sources.list",
        *sorted(sources.glob("sources.list.d/*.list")),
    ]
    for file in candidates:
        if not file.is_file():
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        for stanza in re.split(r"\n\s*\n", text):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.MULTILINE)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.MULTILINE)
            if uris and suites and SUITE in suites.group(1).split() and "/debian" in uris.group(1):
                return uris.group(1).rstrip("/")
        for line in text.splitlines():
            match = re.match(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line.strip())
            if match and match.group(2) == SUITE and "/debian" in match.group(1):
                return match.group(1).rstrip("/")
    return DEFAULT_MIRROR


def build_image(force: bool = False, tag: str = IMAGE) -> bool:
    """Build the image when missing (or when forced); True when one was built."""
    ensure_daemon()
    if image_label(tag, REVISION_LABEL) == REVISION and not force:
        return False
    if shutil.which("debootstrap") is None:
        raise NovaError("debootstrap is not installed; run: apt-get install debootstrap")
    if os.geteuid() != 0:
        raise NovaError("building the sandbox image needs root (debootstrap)")
    with tempfile.TemporaryDirectory(prefix="nova-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        cmd = [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(PACKAGES)}",
            SUITE,
            str(rootfs),
            configured_mirror(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
            raise NovaError("debootstrap failed: " + " | ".join(tail))
        _prepare(rootfs)
        import_rootfs(rootfs, tag, ['CMD ["/sbin/init"]', f"LABEL {REVISION_LABEL}={REVISION}"])
    return True


def _prepare(rootfs: Path) -> None:
    for key in (rootfs / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    unit_dir = rootfs / "etc/systemd/system"
    (unit_dir / "ssh-hostkeys.service").write_text(HOSTKEY_UNIT, encoding="utf-8")
    wants = unit_dir / "multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    (wants / "ssh-hostkeys.service").symlink_to("/etc/systemd/system/ssh-hostkeys.service")
    for unit in MASKED_UNITS:
        link = unit_dir / unit
        if not link.exists():
            link.symlink_to("/dev/null")
    (rootfs / "etc/dpkg/dpkg.cfg.d/nova-sandbox").write_text(DPKG_SETTINGS, encoding="utf-8")
    (rootfs / "etc/tmpfiles.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/tmpfiles.d/tmp.conf").write_text(TMP_TMPFILES, encoding="utf-8")
    subprocess.run(
        ["chroot", str(rootfs), "debconf-set-selections"],
        input=DEBCONF_SELECTIONS,
        text=True,
        capture_output=True,
        check=True,
    )
    shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)
    (rootfs / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/hostname").write_text("sandbox\n", encoding="utf-8")
