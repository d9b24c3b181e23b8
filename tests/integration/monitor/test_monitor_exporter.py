"""Scraping real exporters over HTTP: `nova monitor serve` and the in-process exporter."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from monitor_helpers import ROOT, nova_command
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families

from nova.kpi import record_phase, record_run
from nova.kpi.exporter import register_kpis, start_http_exporter


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def served(home: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`nova monitor serve --port 0` in its own process; yields it and its metrics URL."""
    process = subprocess.Popen(
        nova_command("monitor", "serve", "--port", "0"),
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/metrics)", line)
        assert match, f"no URL in {line!r}"
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_serve_exports_what_other_processes_record(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = served
    failed = ("nova_provision_runs_total", (("status", "failed"),))
    assert failed not in scrape(url)
    record_run("failed", 90.0, 2)
    record_phase("base", "failed", 80.0)
    found = scrape(url)
    assert found[failed] == 1.0
    assert found[("nova_provision_phase_duration_seconds_count", (("phase", "base"),))] == 1.0
    bucket = ("nova_provision_run_duration_seconds_bucket", (("le", "120.0"), ("status", "failed")))
    assert found[bucket] == 1.0
    record_run("failed", 10.0, 1)
    assert scrape(url)[failed] == 2.0

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # the port was released


def test_serve_reports_a_port_in_use_in_one_line(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            nova_command("monitor", "serve", "--port", str(port)),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=30,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"nova: cannot serve metrics on 127.0.0.1:{port}: Address already in use"
    ]


def test_a_server_can_export_kpis_next_to_its_own_metrics(home: Path) -> None:
    registry = CollectorRegistry()
    leases = Counter("queue_leases", "Leases granted", registry=registry)
    register_kpis(registry)
    exporter = start_http_exporter(0, registry)
    try:
        leases.inc(3)
        record_run("successful", 30.0, 4)
        found = scrape(exporter.url)
        assert found[("queue_leases_total", ())] == 3.0
        assert found[("nova_provision_runs_total", (("status", "successful"),))] == 1.0
        assert found[("nova_provision_run_phases_sum", ())] == 4.0
    finally:
        exporter.close()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", exporter.port)) != 0
