"""The dashboard's pages over real records: a run provisioned for real, the real audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from nova.audit.log import AuditLog
from nova.dashboard.app import create_app
from nova.provisioning.provision import ProvisionRequest, provision


@pytest.fixture
def client(nova_home: Path) -> TestClient:
    return TestClient(create_app())


def test_a_fresh_home_says_no_evidence_rather_than_all_is_well(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "no evidence: the audit log has no entries yet" in page.text
    assert "no evidence: no provisioning run recorded" in page.text
    assert client.get("/api/audit").json() == {
        "ok": False,
        "entries": 0,
        "detail": "no evidence: the audit log has no entries yet",
    }


def test_a_recorded_run_shows_on_every_page_as_the_cli_records_it(client: TestClient) -> None:
    run = provision(ProvisionRequest(inventory="local", phases=("model-operations",)))

    overview = client.get("/").text
    assert run.id in overview and "model-operations" in overview and "nothing-to-do" in overview
    assert "entries verify" in overview  # the provisioning run wrote the audit log

    listed = client.get("/api/runs").json()
    assert [(r["engine"], r["id"], r["status"]) for r in listed] == [
        ("provision", run.id, "nothing-to-do")
    ]
    page = client.get(f"/runs/{run.id}")
    assert page.status_code == 200
    assert "model-operations.yml applies no role" in page.text
    audit = client.get("/audit").text
    assert "provision.run.start" in audit and run.id in audit


def test_what_a_page_shows_is_escaped(nova_home: Path, client: TestClient) -> None:
    AuditLog().append("<script>alert(1)</script>", "x", "<b>subject</b>")
    page = client.get("/audit").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/runs/nosuch-run-000000", 404),
        ("/runs/..%2F..%2Fetc%2Fpasswd", 404),
        ("/runs/" + "a" * 200, 404),
        ("/runs?limit=-1", 400),
        ("/runs?limit=0", 400),
        ("/runs?limit=99999999999999999999", 400),
        ("/runs?limit=%00", 400),
        ("/api/runs?limit=abc", 400),
        ("/nosuch", 404),
    ],
)
def test_hostile_paths_and_parameters_get_a_clean_answer(
    client: TestClient, path: str, status: int
) -> None:
    answer = client.get(path)
    assert answer.status_code == status
    assert "Traceback" not in answer.text


def test_nothing_is_changed_by_a_page(client: TestClient) -> None:
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)("/runs").status_code == 405
    # Control is off unless config.yml turns it on: a POST changes nothing.
    answer = client.post("/runs", data={"inventory": "local"})
    assert answer.status_code == 403 and "control is off" in answer.text
