"""Control from the dashboard: read-only by default, a token login, CSRF, the CLI's policy gate.

Runs are started through nova.provisioning's own service with the policy
engine the CLI uses (regopy over the shipped Rego); what they record is read
back from the real state store and audit log.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from nova.audit.log import AuditLog
from nova.dashboard.app import create_app
from nova.dashboard.auth import COOKIE, create_token, token_owner, tokens_path
from nova.policy.factory import reset_shared_engine
from nova.policy.source import policy_dir
from nova.runs.state import RunRecord, StateStore


@pytest.fixture
def token(nova_home: Path) -> str:
    return create_token("alice")


def logged_in(token: str, **options: bool) -> tuple[TestClient, str]:
    """A client logged in as alice, and the CSRF token of its session."""
    client = TestClient(create_app(control=options.get("control", True)))
    answer = client.post("/login", data={"token": token}, follow_redirects=False)
    assert answer.status_code == 303
    page = client.get("/runs").text
    marker = 'name="csrf" value="'
    start = page.index(marker) + len(marker)
    return client, page[start : page.index('"', start)]


def finished(run_id: str) -> RunRecord:
    """The run once its thread in the dashboard has ended it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = StateStore().get_run(run_id)
        if record is not None and record.status != "running":
            return record
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish")


@pytest.fixture
def apply_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shipped policies, with data that lets only `nobody` apply changes."""
    folder = tmp_path / "policies"
    shutil.copytree(policy_dir(), folder)
    data = {"nova_config": {"provision": {"apply_launchers": ["nobody"]}}}
    (folder / "data.json").write_text(json.dumps(data))
    monkeypatch.setenv("NOVA_POLICY_DIR", str(folder))
    reset_shared_engine()
    yield
    reset_shared_engine()


def test_a_token_is_kept_only_as_its_hash(nova_home: Path, token: str) -> None:
    stored = tokens_path().read_text()
    assert token not in stored and "alice" in stored
    assert tokens_path().stat().st_mode & 0o777 == 0o600
    assert token_owner(token) == "alice"
    assert token_owner(token + "x") is None and token_owner("") is None
    assert create_token("alice") != token and token_owner(token) is None  # replaced


def test_login_sets_a_strict_http_only_cookie_and_is_audited(token: str) -> None:
    client = TestClient(create_app())
    refused = client.post("/login", data={"token": "guess"}, follow_redirects=False)
    assert refused.status_code == 401 and "not a valid token" in refused.text
    answer = client.post("/login", data={"token": token}, follow_redirects=False)
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert [e.action for e in AuditLog().tail(5)][-1] == "dashboard.login"
    assert token not in json.dumps([e.payload for e in AuditLog().tail(5)])
    over_tls = TestClient(create_app(tls=True), base_url="https://testserver")
    secure = over_tls.post("/login", data={"token": token}, follow_redirects=False)
    assert "; secure" in secure.headers["set-cookie"].lower()


def test_read_only_unless_control_is_enabled(token: str) -> None:
    client, csrf = logged_in(token, control=False)
    answer = client.post("/runs", data={"csrf": csrf, "inventory": "local"})
    assert answer.status_code == 403 and "control is off" in answer.text
    assert 'id="start-run"' not in client.get("/runs").text
    assert StateStore().list_runs() == []


def test_an_action_needs_a_session_and_its_csrf_token(token: str) -> None:
    anonymous = TestClient(create_app(control=True))
    assert anonymous.post("/runs", data={"inventory": "local"}).status_code == 401
    client, csrf = logged_in(token)
    for form in ({"inventory": "local"}, {"inventory": "local", "csrf": csrf + "x"}):
        answer = client.post("/runs", data=form)
        assert answer.status_code == 403 and "CSRF" in answer.text
    other, _ = logged_in(token)
    assert other.post("/runs", data={"inventory": "local", "csrf": csrf}).status_code == 403
    assert StateStore().list_runs() == []


def test_a_check_mode_run_starts_through_the_cli_service_and_gate(token: str) -> None:
    client, csrf = logged_in(token)
    form = {"csrf": csrf, "inventory": "local", "phase": "model-operations"}
    answer = client.post("/runs", data=form, follow_redirects=False)
    assert answer.status_code == 303
    run_id = answer.headers["location"].rsplit("/", 1)[1]
    record = finished(run_id)
    assert record.check_mode and record.launcher == "dashboard:alice"
    assert record.status == "nothing-to-do"
    actions = [(e.actor, e.action) for e in AuditLog().tail(10)]
    assert ("dashboard:alice", "policy.decision") in actions
    assert ("dashboard:alice", "provision.run.start") in actions
    assert client.get(answer.headers["location"]).status_code == 200


def test_a_denied_run_shows_the_policys_reason(token: str, apply_denied: None) -> None:
    client, csrf = logged_in(token)
    form = {"csrf": csrf, "inventory": "local", "phase": "model-operations", "mode": "apply"}
    answer = client.post("/runs", data=form, follow_redirects=False)
    record = finished(answer.headers["location"].rsplit("/", 1)[1])
    assert record.status == "denied"
    page = client.get(answer.headers["location"])
    assert "Denied by policy: dashboard:alice may not apply changes (check mode only)" in page.text
    decision = [e for e in AuditLog().tail(10) if e.action == "policy.decision"][-1]
    assert decision.payload["allow"] is False


def test_only_a_run_started_here_can_be_cancelled(token: str) -> None:
    client, csrf = logged_in(token)
    answer = client.post("/runs/20260101-000000-abcdef/cancel", data={"csrf": csrf})
    assert answer.status_code == 400 and "is not running from this dashboard" in answer.text


@pytest.mark.parametrize(
    "form",
    [
        {"inventory": "../../etc/passwd"},
        {"inventory": "/etc/ansible/hosts"},
        {"inventory": "local;rm -rf /"},
        {"inventory": ""},
        {"inventory": "x" * 5000},
        {"inventory": "local", "phase": "<script>alert(1)</script>"},
        {"inventory": "local", "phase": "nosuch"},
        {"inventory": "local", "phase": ["foundation"] * 30},
        {"inventory": "local", "limit": "a b"},
        {"inventory": "local", "limit": "$(reboot)"},
        {"inventory": "local", "mode": "yes"},
        {"inventory": "local", "mode": ["check", "apply"]},
        {"inventory": "local\x00"},
        {"inventory": ["local", "spark"]},
    ],
)
def test_hostile_form_fields_start_nothing(token: str, form: dict[str, object]) -> None:
    client, csrf = logged_in(token)
    answer = client.post("/runs", data={"csrf": csrf, **form})
    assert answer.status_code == 400
    assert "Traceback" not in answer.text and "<script>alert" not in answer.text
    assert StateStore().list_runs() == []


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b'{"inventory": "local"}', "application/json"),
        (b"inventory=local&" + b"x" * 20000, "application/x-www-form-urlencoded"),
        (b"&".join(b"f%d=1" % n for n in range(60)), "application/x-www-form-urlencoded"),
        (b"\xff\xfe=\xff", "application/x-www-form-urlencoded"),
    ],
)
def test_hostile_bodies_get_a_clean_answer(token: str, content: bytes, kind: str) -> None:
    client, _ = logged_in(token)
    answer = client.post("/runs", content=content, headers={"content-type": kind})
    assert answer.status_code in (400, 403)
    assert "Traceback" not in answer.text
    assert StateStore().list_runs() == []


@pytest.mark.parametrize("cookie", ["", "x" * 5000, "../../", "%C3%A9"])
def test_a_forged_session_cookie_is_no_session(token: str, cookie: str) -> None:
    client = TestClient(create_app(control=True))
    client.cookies.set(COOKIE, cookie)
    assert client.post("/runs", data={"inventory": "local"}).status_code == 401


@pytest.mark.parametrize(
    ("content", "kind", "status"),
    [
        (b"token=" + b"a" * 300, "application/x-www-form-urlencoded", 401),
        (b"token=%00", "application/x-www-form-urlencoded", 400),
        (b"token=a&token=b", "application/x-www-form-urlencoded", 400),
        (b"token=%FF%FE", "application/x-www-form-urlencoded", 401),
        (b"token=<script>alert(1)</script>", "application/x-www-form-urlencoded", 401),
        (b'{"token": "x"}', "application/json", 400),
        (b"token=" + b"a" * 20000, "application/x-www-form-urlencoded", 400),
    ],
)
def test_hostile_logins_open_no_session(token: str, content: bytes, kind: str, status: int) -> None:
    client = TestClient(create_app(control=True))
    answer = client.post("/login", content=content, headers={"content-type": kind})
    assert answer.status_code == status
    assert "set-cookie" not in answer.headers and "Traceback" not in answer.text
    assert "<script>alert" not in answer.text


def test_logout_needs_the_csrf_token_and_ends_the_session(token: str) -> None:
    client, csrf = logged_in(token)
    session = str(client.cookies.get(COOKIE))
    client.post("/logout", data={"csrf": "forged"})
    client.cookies.set(COOKIE, session)  # a forged logout only made the browser forget it
    assert 'value="' + csrf in client.get("/runs").text  # the session is still open
    client.post("/logout", data={"csrf": csrf})
    client.cookies.set(COOKIE, session)
    assert "Log in" in client.get("/runs").text
    assert client.post("/runs", data={"csrf": csrf, "inventory": "local"}).status_code == 401
