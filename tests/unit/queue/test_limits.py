"""Ingress validation: every refusal names the field that broke a limit."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nova.queue.limits import (
    METADATA_KEY_RE,
    InvalidRequest,
    Limits,
    SpecFields,
    check_batch,
    check_spec,
)

NOW = 1_700_000_000.0
LIMITS = Limits(max_payload_bytes=64, max_metadata_entries=4, max_metadata_value_chars=16)


def spec(**overrides: object) -> SpecFields:
    fields: dict[str, object] = {
        "type": "build.image",
        "payload": b"",
        "metadata": {},
        "priority": 0,
        "not_before": 0.0,
        "skills": [],
        "idempotency_key": "",
        "max_attempts": 0,
    }
    fields.update(overrides)
    return SpecFields(**fields)  # type: ignore[arg-type]


def refusal(s: SpecFields) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as info:
        check_spec(s, "tasks[2]", LIMITS, NOW, 5)
    return info.value


def test_valid_spec_gets_defaults_and_sorted_skills() -> None:
    task = check_spec(spec(skills=["gpu", "arm", "gpu"]), "tasks[0]", LIMITS, NOW, 5)
    assert task.skills == ("arm", "gpu") and task.max_attempts == 5


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": ""}, "tasks[2].type"),
        ({"type": "has space"}, "tasks[2].type"),
        # A pattern anchored with `$` would let a trailing newline through.
        ({"type": "build.image\n"}, "tasks[2].type"),
        ({"skills": ["gpu\n"]}, "tasks[2].skills[0]"),
        ({"metadata": {"owner\n": "x"}}, "tasks[2].metadata['owner\\n']"),
        ({"metadata": {"owner": "x\n"}}, "tasks[2].metadata['owner']"),
        ({"payload": b"x" * 65}, "tasks[2].payload"),
        ({"priority": 10}, "tasks[2].priority"),
        ({"not_before": NOW + 400 * 86400}, "tasks[2].not_before"),
        ({"skills": ["GPU"]}, "tasks[2].skills[0]"),
        ({"skills": [f"s{i}" for i in range(17)]}, "tasks[2].skills"),
        ({"metadata": {"Owner": "x"}}, "tasks[2].metadata['Owner']"),
        ({"metadata": {"owner": "x" * 17}}, "tasks[2].metadata['owner']"),
        ({"metadata": {"owner": "a\nb"}}, "tasks[2].metadata['owner']"),
        ({"metadata": {f"k{i}": "v" for i in range(5)}}, "tasks[2].metadata"),
        ({"idempotency_key": "k\x00"}, "tasks[2].idempotency_key"),
        ({"max_attempts": 101}, "tasks[2].max_attempts"),
    ],
)
def test_each_limit_names_its_field(overrides: dict[str, object], field: str) -> None:
    assert refusal(spec(**overrides)).field == field


def test_batch_must_be_non_empty_and_bounded() -> None:
    with pytest.raises(InvalidRequest, match=r"^tasks: at least one"):
        check_batch([], LIMITS, NOW, 5)
    with pytest.raises(InvalidRequest, match=r"^tasks: at most 3"):
        check_batch([spec()] * 4, Limits(max_batch=3), NOW, 5)


@settings(max_examples=300, deadline=None)
@given(
    key=st.text(min_size=0, max_size=70),
    value=st.text(max_size=24),
)
def test_metadata_is_accepted_exactly_when_within_limits(key: str, value: str) -> None:
    ok_key = bool(METADATA_KEY_RE.match(key))
    ok_value = len(value) <= 16 and not any(ord(c) < 32 or ord(c) == 127 for c in value)
    s = spec(metadata={key: value})
    if ok_key and ok_value:
        assert check_spec(s, "tasks[2]", LIMITS, NOW, 5).metadata == {key: value}
    else:
        assert refusal(s).field == f"tasks[2].metadata[{key!r}]"


@settings(max_examples=300, deadline=None)
@given(
    task_type=st.text(alphabet=string.printable, max_size=140),
    priority=st.integers(min_value=0, max_value=50),
    payload=st.binary(max_size=80),
)
def test_refusals_always_name_a_field_of_the_spec(
    task_type: str, priority: int, payload: bytes
) -> None:
    s = spec(type=task_type, priority=priority, payload=payload)
    try:
        check_spec(s, "tasks[2]", LIMITS, NOW, 5)
    except InvalidRequest as exc:
        assert exc.field in {"tasks[2].type", "tasks[2].priority", "tasks[2].payload"}
        assert str(exc).startswith(exc.field + ": ")
    else:
        assert priority <= 9 and len(payload) <= 64 and 1 <= len(task_type) <= 128
