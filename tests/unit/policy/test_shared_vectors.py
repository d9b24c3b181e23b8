"""One set of decision vectors, run against every backend.

`opa-inprocess` is OPA's own Go engine (the opa_bindings library from the
`opa` extra), evaluating the same policy folder: the vectors' decisions are
compared with regopy's one by one. The `opa` (server) backend talks to a
loopback server following OPA's documented Data API (see conftest): no OPA
server binary can be installed here, so that one checks the REST transport.
"""

from __future__ import annotations

from typing import Any

import pytest

from nova.policy import opa_inprocess_backend
from nova.policy.engine import PolicyEngine
from nova.policy.opa_backend import OpaBackend, OpaSettings
from nova.policy.opa_inprocess_backend import OpaInProcessBackend
from nova.policy.regopy_backend import RegopyBackend

BASE_RUN: dict[str, Any] = {
    "launcher": "alice",
    "inventory": "sandbox",
    "phases": ["base", "firewall"],
    "phase": "base",
    "check_mode": True,
    "hosts": ["node1", "node2"],
    "limit": None,
}
MANY = [f"n{i}" for i in range(25)]

VECTORS: list[tuple[str, dict[str, Any], bool, tuple[str, ...]]] = [
    ("nova/provision", BASE_RUN, True, ()),
    ("nova/provision", {**BASE_RUN, "phase": None, "check_mode": False}, True, ()),
    ("nova/provision", {**BASE_RUN, "launcher": ""}, False, ("launcher is required",)),
    (
        "nova/provision",
        {**BASE_RUN, "phase": "vpn"},
        False,
        ("phase vpn is not in the run's phases",),
    ),
    (
        "nova/provision",
        {**BASE_RUN, "check_mode": False, "hosts": MANY},
        False,
        ("applying to 25 hosts needs --limit (at most 20 without one)",),
    ),
    ("nova/provision", {**BASE_RUN, "check_mode": False, "hosts": MANY, "limit": "r1"}, True, ()),
    (
        "nova/provision",
        {},
        False,
        (
            "check_mode must be true or false",
            "inventory is required",
            "launcher is required",
            "no hosts targeted",
            "phases must be a non-empty list",
        ),
    ),
    ("nova/queue", {"identity": "w1", "role": "agent", "task_type": "code"}, True, ()),
    (
        "nova/queue",
        {"identity": "w1", "role": "agent", "task_type": "provision"},
        False,
        ("role agent may not enqueue provision tasks",),
    ),
    ("nova/queue", {"identity": "root", "role": "admin", "task_type": "x"}, True, ()),
    (
        "nova/queue",
        {"identity": "w1", "role": "ghost", "task_type": "code"},
        False,
        ("unknown role ghost",),
    ),
    ("nova/agent", {"blueprint": "coder", "role": "coder", "skills": ["code.syntax"]}, True, ()),
    (
        "nova/agent",
        {"blueprint": "coder", "role": "coder", "skills": ["code.syntax", "network.vpn"]},
        False,
        ("role coder may not use skill network.vpn",),
    ),
    # Missing fields: OPA leaves `not f(input.x)` undefined when input.x is
    # missing, so these fail open unless the policy reads fields with defaults.
    (
        "nova/provision",
        {k: v for k, v in BASE_RUN.items() if k != "limit"} | {"check_mode": False, "hosts": MANY},
        False,
        ("applying to 25 hosts needs --limit (at most 20 without one)",),
    ),
    (
        "nova/provision",
        {k: v for k, v in BASE_RUN.items() if k not in ("launcher", "check_mode")},
        False,
        ("check_mode must be true or false", "launcher is required"),
    ),
    ("nova/queue", {"identity": "w1", "task_type": "code"}, False, ("role is required",)),
    (
        "nova/queue",
        {},
        False,
        ("identity is required", "role is required", "task_type is required"),
    ),
    ("nova/agent", {"role": "coder", "skills": ["code.syntax"]}, False, ("blueprint is required",)),
    (
        "nova/agent",
        {"blueprint": "coder", "role": "coder"},
        False,
        ("skills must be a non-empty list",),
    ),
    ("nova/agent", {"blueprint": "coder", "skills": ["code.syntax"]}, False, ("role is required",)),
    ("nova/missing", {"anything": 1}, False, ()),
]

NO_OPA_LIBRARY = (
    "OPA in-process needs the opa-golib-python-bindings package (the `opa` extra; "
    "scripts/bootstrap.sh installs it), which is not importable here"
)


@pytest.fixture(params=["regopy", "regopy-uncompiled", "opa", "opa-inprocess"])
def engine(request: pytest.FixtureRequest) -> PolicyEngine:
    if request.param == "opa":
        server = request.getfixturevalue("opa_server")
        return PolicyEngine(OpaBackend(OpaSettings(url=server.url)))
    if request.param == "opa-inprocess":
        if not opa_inprocess_backend.available():
            pytest.skip(NO_OPA_LIBRARY)
        return PolicyEngine(OpaInProcessBackend())
    return PolicyEngine(RegopyBackend(compiled=request.param == "regopy"))


def test_vectors(engine: PolicyEngine) -> None:
    for policy, document, allow, violations in VECTORS:
        decision = engine.decide(policy, document)
        assert (decision.allow, decision.violations) == (allow, violations), (policy, document)
        if allow:
            assert decision.reason is None
        assert len(decision.input_hash) == 64


def test_opa_and_regopy_decide_every_vector_alike() -> None:
    if not opa_inprocess_backend.available():
        pytest.skip(NO_OPA_LIBRARY)
    regopy = PolicyEngine(RegopyBackend())
    opa = PolicyEngine(OpaInProcessBackend())
    for policy, document, _, _ in VECTORS:
        ours, theirs = regopy.decide(policy, document), opa.decide(policy, document)
        assert (ours.engine, theirs.engine) == ("regopy", "opa-inprocess")
        assert (ours.allow, ours.violations) == (theirs.allow, theirs.violations), (
            policy,
            document,
        )
        assert ours.revision == theirs.revision
