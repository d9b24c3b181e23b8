from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nova.cli.policy import policy


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
