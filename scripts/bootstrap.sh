#!/usr/bin/env bash
# Install what Nova needs on a fresh Debian machine (as root), then the
# Python environment in .venv. Safe to run again: it skips what is there.
# With --venv-only, the Python environment alone: all that `make check` and
# `make integration` need besides Debian's redis-server, restic, rclone and
# openssh-server, and it needs no root.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV_ONLY=false
[[ ${1:-} == --venv-only ]] && VENV_ONLY=true

# chromium: the browser the dashboard's Playwright tests drive (never `playwright install`).
APT_PACKAGES=(docker.io debootstrap openssh-client openssh-server redis-server restic rclone rsync python3-venv git make chromium)
VENV=${NOVA_VENV:-.venv}

missing=()
$VENV_ONLY && APT_PACKAGES=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "bootstrap: run as root, or install: ${missing[*]}" >&2
        exit 2
    fi
    echo "bootstrap: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Redis from Debian's package is started by the tests themselves, on free
# loopback ports with folders of their own; a redis-server service that the
# package may have started is left as it is. The same goes for the restic
# REST server (`rclone serve restic`) and the sshd that the backup tests run
# as plain processes on loopback: an ssh service that openssh-server may have
# started is left as it is.

# Every container that runs systemd takes several inotify instances, and all
# of them count against root's fs.inotify.max_user_instances (128 on Debian):
# past about 20 containers, systemd in the next one cannot start its units and
# hangs at boot. The tests run the sandbox, a 10-node sandbox and the Molecule
# scenarios side by side, and the sandbox goes up to 64 nodes.
if ! $VENV_ONLY; then
    INOTIFY=/proc/sys/fs/inotify/max_user_instances
    if [ "$(cat "$INOTIFY")" -lt 2048 ]; then
        echo "bootstrap: fs.inotify.max_user_instances $(cat "$INOTIFY") -> 2048 (containers running systemd)"
        echo 2048 > "$INOTIFY"
        echo "fs.inotify.max_user_instances = 2048" > /etc/sysctl.d/60-nova-containers.conf
    fi
fi

if ! $VENV_ONLY && ! docker info >/dev/null 2>&1; then
    echo "bootstrap: starting dockerd"
    mkdir -p /var/log/nova
    nohup dockerd >/var/log/nova/dockerd.log 2>&1 &
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    docker info >/dev/null 2>&1 || { echo "bootstrap: dockerd did not start" >&2; tail -5 /var/log/nova/dockerd.log >&2; exit 1; }
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x $VENV/bin/python ]]; then
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f $stamp ]]; then
    "$VENV/bin/pip" install -q --upgrade pip
    # --no-compile: the `ansible` package alone is some 40,000 Python files, few
    # of which are ever imported; Python compiles those on first use instead
    # (pip's compile step was 40 of its 70 seconds here).
    "$VENV/bin/pip" install -q --no-compile -e '.[test,opa]'
    # The `opa` extra (OPA's Go engine in-process) declares Python >= 3.14, yet
    # its ctypes wrapper runs on older Pythons too: install it there by hand.
    # The policy tests run the shared decision vectors through it and regopy.
    if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 14))'; then
        "$VENV/bin/pip" install -q --no-deps --ignore-requires-python \
            'opa-golib-python-bindings==0.4.4' ||
            echo "bootstrap: OPA in-process not installed; its policy tests will skip" >&2
    fi
    touch "$stamp"
fi
echo "bootstrap: ready ($("$VENV/bin/nova" --version))"
