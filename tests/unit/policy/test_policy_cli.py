from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from opa_data_api import DataApiServer

from nova.cli.policy import policy
from nova.policy import opa_inprocess_backend


def test_policy_test_runs_shipped_rego_tests() -> None:
    result = CliRunner().invoke(policy, ["test"], standalone_mode=False)
    assert result.exception is None
    assert result.return_value == 0
    assert "0 failed" in result.output
    assert "PASS data.nova.queue_test.test_agent_may_enqueue_code" in result.output


def test_policy_test_reports_failures(policy_copy: Path) -> None:
    (policy_copy / "extra_test.rego").write_text(
        'package extra_test\n\ntest_wrong if data.nova.queue.allow with input.role as "viewer"\n'
    )
    result = CliRunner().invoke(
        policy, ["test", "--policies", str(policy_copy), "--run", "wrong"], standalone_mode=False
    )
    assert result.return_value == 1
    assert "FAIL data.extra_test.test_wrong" in result.output


def test_policy_eval_explains_a_denial(tmp_path: Path) -> None:
    document = tmp_path / "in.yml"
    document.write_text("identity: w1\nrole: agent\ntask_type: provision\n")
    result = CliRunner().invoke(
        policy,
        ["eval", "--input", str(document), "--policy", "queue", "--output", "json"],
        standalone_mode=False,
    )
    assert result.return_value == 3
    body = json.loads(result.output)
    assert body["allow"] is False
    assert body["violations"] == ["role agent may not enqueue provision tasks"]


def test_policy_eval_bad_input_is_one_line(tmp_path: Path) -> None:
    document = tmp_path / "in.json"
    document.write_text("[1, 2")
    result = CliRunner().invoke(policy, ["eval", "--input", str(document)], standalone_mode=False)
    assert result.exception is not None
    assert str(result.exception).startswith(f"{document}: line")
    assert "\n" not in str(result.exception)


def _nova(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nova", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def test_policy_eval_unknown_engine_is_one_line_exit_2(tmp_path: Path) -> None:
    document = tmp_path / "in.yml"
    document.write_text("identity: w1\nrole: agent\ntask_type: code\n")
    result = _nova("policy", "eval", "--input", str(document), NOVA_POLICY_ENGINE="opal")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "nova: environment: NOVA_POLICY_ENGINE: unknown engine 'opal' (choose regopy or opa)"
    ]


def test_policy_eval_names_the_engine_that_decided(tmp_path: Path) -> None:
    document = tmp_path / "in.yml"
    document.write_text("identity: w1\nrole: agent\ntask_type: code\n")
    result = _nova("policy", "eval", "--input", str(document), "--policy", "queue")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ALLOW  nova/queue  (engine regopy, revision ")


def test_policy_eval_with_opa_asks_the_opa_server(
    tmp_path: Path, opa_server: DataApiServer
) -> None:
    document = tmp_path / "in.yml"
    document.write_text("identity: w1\nrole: agent\ntask_type: provision\n")
    result = _nova(
        "policy",
        "eval",
        "--input",
        str(document),
        "--policy",
        "queue",
        "--output",
        "json",
        NOVA_POLICY_ENGINE="opa",
        NOVA_OPA_URL=opa_server.url,
    )
    assert result.returncode == 3, result.stderr
    body = json.loads(result.stdout)
    assert body["engine"] == "opa"
    assert body["revision"] == "opa:nova@rev-1"
    assert body["violations"] == ["role agent may not enqueue provision tasks"]
    assert [r["path"] for r in opa_server.requests] == ["/v1/data/nova/queue?provenance"]


def test_policy_eval_refuses_a_folder_for_an_opa_server(tmp_path: Path, policy_copy: Path) -> None:
    document = tmp_path / "in.yml"
    document.write_text("identity: w1\n")
    result = _nova(
        "policy",
        "eval",
        "--input",
        str(document),
        "--policies",
        str(policy_copy),
        NOVA_POLICY_ENGINE="opa",
        NOVA_OPA_URL="http://127.0.0.1:9",
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--policies: the OPA server at NOVA_OPA_URL evaluates its own bundle" in result.stderr


def test_policy_eval_and_test_through_opa_in_process(tmp_path: Path) -> None:
    if not opa_inprocess_backend.available():
        pytest.skip("OPA in-process needs opa-golib-python-bindings (the `opa` extra)")
    document = tmp_path / "in.yml"
    document.write_text("identity: w1\nrole: agent\ntask_type: provision\n")
    result = _nova(
        "policy", "eval", "--input", str(document), "--policy", "queue", NOVA_POLICY_ENGINE="opa"
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith("DENY  nova/queue  (engine opa-inprocess, revision ")
    tested = _nova("policy", "test", NOVA_POLICY_ENGINE="opa")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.startswith("engine opa\n")
    assert tested.stdout.rstrip().endswith(" passed, 0 failed")


def test_policy_eval_opa_without_server_or_library_is_one_line(tmp_path: Path) -> None:
    if opa_inprocess_backend.available():
        pytest.skip("the OPA library is installed here, so OPA in-process is available")
    document = tmp_path / "in.yml"
    document.write_text("identity: w1\n")
    result = _nova("policy", "eval", "--input", str(document), NOVA_POLICY_ENGINE="opa")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "opa-golib-python-bindings" in result.stderr
