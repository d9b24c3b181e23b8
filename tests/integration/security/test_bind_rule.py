"""Every network service binds by one rule: loopback, or TLS with authentication, or --insecure.

Real processes: `nova queue serve` and `nova monitor serve` started as a user
would, on a non-loopback address of this host, with certificates from a
throwaway CA. The refusals must be one line; --insecure must land in the
audit log; an HTTPS scrape without a client certificate must fail.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pki import TestCa

from nova.audit.log import AuditLog
from nova.core.exposure import is_loopback
from nova.core.paths import project_root

ROOT = project_root()


def outward_address() -> str:
    """An address of this host that is not loopback (the one a default route would use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        address = str(probe.getsockname()[0])
    if is_loopback(address):
        pytest.skip("this host has no address beyond loopback")
    return address


def nova(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "nova", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
    )


@pytest.fixture
def home(nova_home: Path) -> Path:
    nova_home.mkdir(parents=True, exist_ok=True)
    return nova_home


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=15)


def first_line(process: subprocess.Popen[str], pattern: str) -> str:
    """Read stderr until a line matches `pattern`; fails with what was read if it exits first."""
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"exited {process.wait()} before /{pattern}/: {''.join(seen)}")


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (("queue", "serve", "--port", "0"), "--host"),
        (("monitor", "serve", "--port", "0"), "--bind"),
        (("dashboard", "--port", "0"), "--bind"),
    ],
)
def test_a_service_off_loopback_without_tls_and_auth_refuses_in_one_line(
    home: Path, command: tuple[str, ...], option: str
) -> None:
    process = nova(*command, option, outward_address())
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "(not loopback) needs TLS and authentication" in lines[0]
    assert "--insecure" in lines[0]
    assert list(AuditLog().entries()) == []  # nothing started, nothing recorded


def test_insecure_is_allowed_loudly_and_audited(
    home: Path, started: list[subprocess.Popen[str]]
) -> None:
    address = outward_address()
    queue = nova("queue", "serve", "--port", "0", "--host", address, "--insecure")
    started.append(queue)
    warning = first_line(queue, r"--insecure, recorded in the audit log")
    assert "without TLS or authentication" in warning
    line = first_line(queue, r"queue serving on ")
    port = int(re.search(r":(\d+) ", line).group(1))  # type: ignore[union-attr]

    [entry] = [e for e in AuditLog().entries() if e.action.startswith("queue.serve")]
    assert entry.action == "queue.serve.insecure"
    assert entry.subject == f"{address}:{port}"
    assert entry.payload == {
        "host": address,
        "loopback": False,
        "tls": False,
        "authenticated": False,
        "insecure": True,
    }


def test_metrics_over_mutual_tls_serve_only_a_client_with_a_certificate(
    home: Path, tmp_path: Path, started: list[subprocess.Popen[str]]
) -> None:
    ca = TestCa(tmp_path)
    server = ca.issue("localhost", server=True)
    client = ca.issue("prometheus", server=False)
    address = outward_address()
    process = nova(
        "monitor", "serve", "--port", "0", "--bind", address,
        "--tls-cert", str(server.cert), "--tls-key", str(server.key),
        "--tls-client-ca", str(ca.pair.cert),
    )  # fmt: skip
    started.append(process)
    line = first_line(process, r"serving KPIs on ")
    url = re.search(r"(https://\S+/metrics)", line).group(1)  # type: ignore[union-attr]

    context = ssl.create_default_context(cafile=str(ca.pair.cert))
    context.check_hostname = False  # the certificate names localhost; the URL has the address
    with pytest.raises((ssl.SSLError, ConnectionError, urllib.error.URLError)):
        urllib.request.urlopen(url, context=context, timeout=10).read()
    context.load_cert_chain(str(client.cert), str(client.key))
    body = urllib.request.urlopen(url, context=context, timeout=10).read().decode()
    assert "# HELP" in body or body == ""  # an empty store exports no family, but answers

    [entry] = [e for e in AuditLog().entries() if e.action.startswith("metrics.serve")]
    assert entry.action == "metrics.serve"
    assert entry.payload["tls"] is True and entry.payload["authenticated"] is True
    with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
        urllib.request.urlopen(url.replace("https://", "http://"), timeout=10).read()


def test_the_dashboard_serves_loopback_and_records_its_start(
    home: Path, started: list[subprocess.Popen[str]]
) -> None:
    process = nova("dashboard", "--port", "0")
    started.append(process)
    line = first_line(process, r"dashboard on ")
    url = re.search(r"(http://127\.0\.0\.1:\d+/)", line).group(1)  # type: ignore[union-attr]
    page = urllib.request.urlopen(url, timeout=10).read().decode()
    assert "<title>Nova · Overview</title>" in page
    [entry] = [e for e in AuditLog().entries() if e.action.startswith("dashboard.serve")]
    assert entry.action == "dashboard.serve" and entry.payload["loopback"] is True
