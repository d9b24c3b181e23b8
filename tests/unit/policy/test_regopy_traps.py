"""regopy behaviours that would silently change a verdict, pinned down."""

from __future__ import annotations

from pathlib import Path

import pytest

from nova.core.errors import InputError
from nova.policy import source
from nova.policy.engine import PolicyEngine
from nova.policy.lint import check_v1
from nova.policy.regopy_backend import RegopyBackend


def test_plain_query_of_a_false_rule_is_undefined() -> None:
    """The trap: `data.pkg.rule` for a false rule reads as undefined, not false."""
    from regopy import Interpreter

    interpreter = Interpreter()
    interpreter.add_module("t.rego", "package t\n\ndefault allow := false\n")
    assert str(interpreter.query("data.t.allow")).strip() == "undefined"
    bound = str(interpreter.query("x := data.t.allow"))
    assert '"x":false' in bound.replace(" ", "")


def test_engine_reads_false_as_false_not_undefined(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "t.rego").write_text("package t\n\ndefault allow := false\n")
    for compiled in (True, False):
        decision = PolicyEngine(RegopyBackend(folder, compiled=compiled)).decide("t", {})
        assert decision.allow is False
        assert decision.reason is None, "a false verdict must not be reported as undefined"


def test_v0_rule_is_accepted_by_regopy_with_another_meaning() -> None:
    """The trap: v0 `deny[msg] { ... }` parses, but builds an object, not a set."""
    from regopy import Input, Interpreter

    interpreter = Interpreter()
    interpreter.add_module("old.rego", 'package old\n\ndeny[msg] { msg := "no" }\n')
    interpreter.set_input(Input({}))
    out = str(interpreter.query("x := data.old.deny")).replace(" ", "")
    assert '"x":{"no":true}' in out


V0_SAMPLES = [
    ('package p\n\ndeny[msg] {\n  msg := "x"\n}\n', "line 3"),
    ("package p\n\nallow {\n  true\n}\n", "line 3"),
    ("package p\n\nallow := true\n\nf(x) = y {\n  y := x\n}\n", "line 5"),
    ('package p\n\ndeny[msg] if {\n  msg := "x"\n}\n', "line 3"),
]


@pytest.mark.parametrize(("text", "where"), V0_SAMPLES)
def test_v0_syntax_is_rejected_at_load(text: str, where: str) -> None:
    with pytest.raises(InputError) as caught:
        check_v1("p.rego", text)
    assert caught.value.field == where
    assert str(caught.value).count("\n") == 0


def test_v1_constructs_are_accepted() -> None:
    check_v1(
        "p.rego",
        "package p\n\n# deny[msg] { in a comment }\ndefault allow := false\n"
        'allow if { input.x == "{" }\nm := {"a": 1}\ns := {x | some x in [1]}\n'
        'violations contains "v" if false\nobj[k] := 1 if { k := "a" }\n'
        "f(x) := y if { y := x }\n",
    )


def test_whole_input_override_is_rejected() -> None:
    with pytest.raises(InputError, match="with input as"):
        check_v1("t.rego", "package t\n\ntest_a if { data.p.allow with input as {} }\n")


def test_v0_policy_file_refuses_every_decision(policy_copy: Path) -> None:
    (policy_copy / "legacy.rego").write_text('package legacy\n\ndeny[msg] { msg := "x" }\n')
    with pytest.raises(InputError, match=r"legacy\.rego: line 3"):
        source.load(policy_copy)
    decision = PolicyEngine(RegopyBackend(policy_copy)).decide(
        "nova/queue", {"identity": "w", "role": "admin", "task_type": "x"}
    )
    assert decision.allow is False
    assert "legacy.rego: line 3" in (decision.reason or "")
