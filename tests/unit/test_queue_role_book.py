"""The queue's default roles come from the blueprints: each worker its own skills, no more."""

from __future__ import annotations

from nova.agents.blueprints.catalogue import load
from nova.agents.queue_roles import default_role_book
from nova.queue.auth import ANONYMOUS


def test_a_blueprints_worker_is_an_agent_granted_exactly_its_skills() -> None:
    book = default_role_book({}, local=False)
    planner = load("planner")
    for identity in ("agent-planner", "agent-planner@node1"):
        assert book.role(identity) == "agent"
        assert book.grants(identity) == tuple(planner.skills)
    assert book.role("planner") == "" and book.grants("planner") == ()
    assert book.role("agent-nosuch@node1") == ""
    assert book.role(ANONYMOUS) == ""  # no anonymous caller off loopback


def test_given_roles_win_and_the_local_caller_is_this_hosts_admin() -> None:
    book = default_role_book({"agent-planner": "viewer", "ops": "operator"}, local=True)
    assert book.role("agent-planner") == "viewer"
    assert book.role("ops") == "operator"
    assert book.role(ANONYMOUS) == "admin"
