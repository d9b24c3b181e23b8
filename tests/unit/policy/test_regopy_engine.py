"""The embedded engine on the shipped policies, and its deny-by-default layers."""

from __future__ import annotations

from pathlib import Path

from nova.policy.cache import DecisionCache
from nova.policy.engine import PolicyEngine
from nova.policy.regopy_backend import RegopyBackend


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def _engine_with(tmp_path: Path, text: str) -> PolicyEngine:
    folder = tmp_path / "p"
    folder.mkdir()
    _write(folder, "x.rego", text)
    return PolicyEngine(RegopyBackend(folder))


def test_undefined_allow_is_denied(tmp_path: Path) -> None:
    engine = _engine_with(tmp_path, "package t\n\nallow if input.ok\n")
    decision = engine.decide("t", {"ok": False})
    assert decision.allow is False
    assert decision.reason is not None and decision.reason.startswith("undefined")


def test_non_boolean_allow_is_denied(tmp_path: Path) -> None:
    engine = _engine_with(tmp_path, 'package t\n\nallow := "yes"\n')
    decision = engine.decide("t", {})
    assert decision.allow is False
    assert decision.reason == "malformed: allow is str, not boolean"


def test_allow_with_violations_is_still_allow_by_allow_alone(tmp_path: Path) -> None:
    # Callers decide on allow alone: violations never flip the verdict either way.
    engine = _engine_with(
        tmp_path, 'package t\n\nallow := true\n\nviolations contains "note" if true\n'
    )
    decision = engine.decide("t", {})
    assert decision.allow is True
    assert decision.violations == ("note",)


def test_evaluation_error_is_denied_and_not_cached(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    _write(folder, "x.rego", "package t\n\nallow if to_number(input.n) > 1\n")
    cache = DecisionCache()
    engine = PolicyEngine(RegopyBackend(folder), cache)
    decision = engine.decide("t", {"n": "not a number"})
    assert decision.allow is False
    assert decision.reason is not None and decision.reason.startswith("error")
    assert len(cache) == 0


def test_unknown_package_is_denied() -> None:
    decision = PolicyEngine(RegopyBackend()).decide("nova/nothing", {})
    assert decision.allow is False
    assert "unknown policy package" in (decision.reason or "")


def test_non_json_input_is_denied() -> None:
    decision = PolicyEngine(RegopyBackend()).decide("nova/queue", {"when": object()})
    assert decision.allow is False
    assert (decision.reason or "").startswith("malformed input")


def test_malformed_policy_keeps_denying_until_fixed(policy_copy: Path) -> None:
    engine = PolicyEngine(RegopyBackend(policy_copy), DecisionCache())
    good = {"identity": "w1", "role": "agent", "task_type": "code"}
    assert engine.decide("nova/queue", good).allow is True
    original = (policy_copy / "queue.rego").read_text()
    (policy_copy / "queue.rego").write_text(original + "\nbroken if {\n")
    broken = engine.decide("nova/queue", good)
    assert broken.allow is False
    assert (broken.reason or "").startswith("error: policy load failed")
    (policy_copy / "queue.rego").write_text(original + "\n")
    assert engine.decide("nova/queue", good).allow is True
