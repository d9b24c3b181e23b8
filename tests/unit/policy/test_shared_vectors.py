"""One set of decision vectors, run against every backend.

The OPA backend talks to a loopback server following OPA's documented Data
API (see conftest): no OPA binary can be installed here.
"""

from __future__ import annotations

from typing import Any

import pytest

from nova.policy.engine import PolicyEngine
from nova.policy.opa_backend import OpaBackend, OpaSettings
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
    ("nova/missing", {"anything": 1}, False, ()),
]


@pytest.fixture(params=["regopy", "regopy-uncompiled", "opa"])
def engine(request: pytest.FixtureRequest) -> PolicyEngine:
    if request.param == "opa":
        server = request.getfixturevalue("opa_server")
        return PolicyEngine(OpaBackend(OpaSettings(url=server.url)))
    return PolicyEngine(RegopyBackend(compiled=request.param == "regopy"))


def test_vectors(engine: PolicyEngine) -> None:
    for policy, document, allow, violations in VECTORS:
        decision = engine.decide(policy, document)
        assert (decision.allow, decision.violations) == (allow, violations), (policy, document)
        if allow:
            assert decision.reason is None
        assert len(decision.input_hash) == 64
