"""Control from a real browser: log in, start a check-mode run, follow it, cancel it, a denial.

The run starts from the page through the dashboard's process, as `nova
provision` would start it. Its inventory's one host answers TCP but never
speaks SSH, so the foundation playbook starts, reports its first task, and
then waits on the host for minutes: long enough to watch it live and cancel
it. Nothing on the control node is changed (check mode, and nothing is
reached).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_browser import Browser
from playwright.sync_api import expect

from nova.audit.log import AuditLog
from nova.core.paths import project_root
from nova.policy.source import policy_dir


@pytest.fixture
def silent_host() -> Iterator[int]:
    """A port that takes connections and never answers them."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])


@pytest.fixture
def controlled(
    nova_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, silent_host: int
) -> str:
    """Control on, a `slow` inventory, policy data letting only `nobody` apply; alice's token."""
    nova_home.mkdir(parents=True, exist_ok=True)
    (nova_home / "config.yml").write_text("dashboard_control: true\n")
    inventory = nova_home / "inventories" / "slow"
    inventory.mkdir(parents=True)
    (inventory / "hosts.yml").write_text(
        "all:\n  hosts:\n    quiet:\n"
        f"      ansible_host: 127.0.0.1\n      ansible_port: {silent_host}\n"
        "      ansible_user: nobody\n      ansible_timeout: 300\n"
    )
    policies = tmp_path / "policies"
    shutil.copytree(policy_dir(), policies)
    data = {"nova_config": {"provision": {"apply_launchers": ["nobody"]}}}
    (policies / "data.json").write_text(json.dumps(data))
    monkeypatch.setenv("NOVA_POLICY_DIR", str(policies))
    made = subprocess.run(
        [sys.executable, "-m", "nova", "dashboard", "token", "create", "alice"],
        capture_output=True,
        text=True,
        check=True,
        cwd=project_root(),
    )
    return made.stdout.strip()


def log_in(browser: Browser, dashboard: str, token: str) -> None:
    page = browser.page
    page.goto(dashboard + "/login")
    page.fill("input[name=token]", token)
    page.click("button:has-text('Log in')")
    expect(page.locator("nav")).to_contain_text("alice")


def test_start_a_check_mode_run_follow_it_and_cancel_it(
    controlled: str, dashboard: str, browser: Browser
) -> None:
    page = browser.page
    log_in(browser, dashboard, controlled)
    page.goto(dashboard + "/runs")
    browser.shoot("runs-control")
    page.fill("#start-run input[name=inventory]", "slow")
    page.check("#start-run input[value=foundation]")
    expect(page.locator("#start-run input[value=check]")).to_be_checked()  # the default
    began = time.monotonic()
    page.click("#start-run button[type=submit]")
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-z-]+$"))
    expect(page.locator("#run-status")).to_have_text("running")
    page.evaluate("window.novaNotReloaded = true")
    rows = page.locator("#live-events tbody tr")
    expect(rows.first).to_contain_text("foundation", timeout=60_000)
    assert page.evaluate("window.novaNotReloaded") is True
    browser.shoot("run-started-from-page")
    run_id = page.url.rsplit("/", 1)[1]
    assert "mode" in page.content() and ">check<" in page.content()

    page.click("#cancel-run button")
    expect(page.locator("#run-status")).not_to_have_text("running", timeout=60_000)
    # The host would have held the play for 300 s: it ended because it was cancelled.
    assert time.monotonic() - began < 120
    browser.shoot("run-cancelled")
    tail = AuditLog().tail(80)
    entries = [(e.actor, e.action, e.subject) for e in tail]
    assert ("dashboard:alice", "provision.run.cancel", run_id) in entries
    cancel = next(e for e in tail if e.action == "provision.run.cancel")
    asked = [e for e in tail if e.decision_id == cancel.decision_id and e is not cancel]
    assert cancel.decision_id and [e.action for e in asked] == ["policy.decision"]
    assert ("dashboard:alice", "provision.run.start", run_id) in entries
    assert browser.errors == []


def test_a_denied_run_shows_the_policys_reason(
    controlled: str, dashboard: str, browser: Browser
) -> None:
    page = browser.page
    log_in(browser, dashboard, controlled)
    page.goto(dashboard + "/runs")
    page.fill("#start-run input[name=inventory]", "slow")
    page.check("#start-run input[value=model-operations]")
    page.check("#start-run input[value=apply]")
    page.click("#start-run button[type=submit]")
    expect(page.locator("body")).to_contain_text(
        "Denied by policy: dashboard:alice may not apply changes (check mode only)"
    )
    expect(page.locator("#run-status")).to_have_text("denied")
    browser.shoot("run-denied")
    assert browser.errors == []
