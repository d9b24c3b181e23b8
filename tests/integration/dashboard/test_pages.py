"""Every page in a real browser, and a real playbook's events arriving live on a run's page.

The run is recorded as `nova provision` records it (the same recorder and
sinks) and its phase is a real playbook run through ansible-runner on the
control node itself (connection local), into the run's phase folder: the
dashboard, another process, follows it from the runner's event files.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from dashboard_browser import Browser
from playwright.sync_api import expect

from nova.ansible.runner import run_playbook
from nova.audit.log import AuditLog
from nova.core.paths import runs_dir
from nova.provisioning.provision import ProvisionRequest, provision
from nova.provisioning.records import StateStoreSink
from nova.runs.recorder import RunRecorder
from nova.runs.sinks import AuditSink
from nova.runs.state import StateStore

INVENTORY = f"""\
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: {sys.executable}
"""

PLAY = """\
- name: A short play whose tasks take their time
  hosts: all
  gather_facts: false
  tasks:
    - name: First step
      ansible.builtin.command: sleep 1
      changed_when: false
      check_mode: false  # it changes nothing; it takes its time even in check mode
    - name: Second step
      ansible.builtin.command: sleep 1
      changed_when: false
      check_mode: false  # it changes nothing; it takes its time even in check mode
    - name: Third step
      ansible.builtin.command: sleep 1
      changed_when: false
      check_mode: false  # it changes nothing; it takes its time even in check mode
"""


def test_every_page_loads_with_what_was_recorded(
    nova_home: Path, dashboard: str, browser: Browser
) -> None:
    run = provision(ProvisionRequest(inventory="local", phases=("model-operations",)))
    page = browser.page
    for path, name, shows in [
        ("/", "overview", run.id),
        ("/runs", "runs", run.id),
        (f"/runs/{run.id}", "run", "model-operations.yml applies no role"),
        ("/audit", "audit", "provision.run.start"),
    ]:
        answer = page.goto(dashboard + path)
        assert answer is not None and answer.status == 200, path
        expect(page.locator("body")).to_contain_text(shows)
        assert browser.shoot(name).stat().st_size > 0
    page.click("text=Runs")
    expect(page).to_have_url(dashboard + "/runs")
    assert browser.errors == []


def test_a_running_run_shows_its_task_events_as_they_arrive(
    nova_home: Path, tmp_path: Path, dashboard: str, browser: Browser
) -> None:
    (tmp_path / "hosts.yml").write_text(INVENTORY)
    (tmp_path / "play.yml").write_text(PLAY)
    audit = AuditLog()
    recorder = RunRecorder("provision", [StateStoreSink(StateStore()), AuditSink(audit)])
    recorder.start(["foundation"], inventory="local", limit=None, check_mode=True)
    go = threading.Event()

    def the_run() -> None:
        go.wait(60)
        run_playbook(
            tmp_path / "play.yml",
            [tmp_path / "hosts.yml"],
            runs_dir() / recorder.run_id / "01-foundation",
            check=True,
        )
        recorder.finish("successful")

    worker = threading.Thread(target=the_run)
    worker.start()
    try:
        page = browser.page
        page.goto(f"{dashboard}/runs/{recorder.run_id}")
        expect(page.locator("#run-status")).to_have_text("running")
        page.evaluate("window.novaNotReloaded = true")
        go.set()

        rows = page.locator("#live-events tbody tr")
        first = rows.filter(has_text="First step").filter(has_text="ok")
        expect(first).to_have_count(1, timeout=60_000)
        seen_while_running = time.monotonic()
        # The first result is on the page while the play still has seconds to go.
        assert worker.is_alive()
        expect(page.locator("#run-status")).to_have_text("running")
        browser.shoot("run-live")

        expect(page.locator("#run-status")).to_have_text("successful", timeout=60_000)
        worker.join(60)
        assert time.monotonic() - seen_while_running > 1
        assert page.evaluate("window.novaNotReloaded") is True
        for task in ("First step", "Second step", "Third step"):
            expect(rows.filter(has_text=task).filter(has_text="started")).to_have_count(1)
            expect(rows.filter(has_text=task).filter(has_text="localhost")).to_have_count(1)
        ids = rows.evaluate_all("rows => rows.map(r => r.dataset.eventId)")
        assert len(ids) == len(set(ids)) == 6  # each event once, in the runner's order
        counters = [int(i.split(".")[1]) for i in ids]
        assert counters == sorted(counters)
        expect(page.locator("#live-count")).to_have_text("6")
        browser.shoot("run-finished")
        assert browser.errors == []
    finally:
        go.set()
        worker.join(120)
