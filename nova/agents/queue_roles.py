"""The queue's default roles: every blueprint's worker may handle the skills it names.

`nova queue serve` answers to identities through a RoleBook; this one knows
each blueprint in the catalogue (built-in and NOVA_HOME's), so the identity
`agent-<blueprint>` (or `agent-<blueprint>@<host>`, the name the nova_agent
role puts on an agent host's certificate) has the queue role `agent` and the
blueprint's skills as grants, and nothing more, with no roles file written.
(A blueprint's own `role` is for the agent launch policy, not the queue's.)
"""

from __future__ import annotations

from collections.abc import Mapping

from nova.agents.blueprints.catalogue import load_catalogue
from nova.queue.auth import ANONYMOUS
from nova.queue.policy import Agent, RoleBook


def default_role_book(roles: Mapping[str, str], local: bool) -> RoleBook:
    """`roles` first, then the blueprints'; `local` adds the unauthenticated loopback caller."""
    agents = {b.name: Agent("agent", tuple(b.skills)) for b in load_catalogue()}
    given = dict(roles)
    if local:
        given.setdefault(ANONYMOUS, "admin")
    return RoleBook(given, agents)
