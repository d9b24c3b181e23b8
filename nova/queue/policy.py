"""Who may enqueue and claim which task types, decided by the queue policy for every caller.

Roles come from a YAML file mapping identity to role (`admin`, `operator`,
`agent`, `viewer`; see nova/policy/policies/queue.rego). An identity with no
role gets none, and the policy refuses it: deny by default. An agent's
grants (the skills its blueprint names) let it handle those task types too.

A caller without a token can only reach a queue on loopback (or one served
with an audited --insecure); it is `anonymous`, whose role the server's
roles give it: `LOCAL_ROLES` when none are given.

Each answer is remembered for a short while per identity and task type, so a
worker asking every second costs one policy decision (and one audit entry) a
minute, not one a call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nova.core.errors import InputError
from nova.core.yamlfile import load_yaml
from nova.queue.auth import ANONYMOUS, Authorize

REMEMBER_SECONDS = 60.0
REMEMBER_MAX = 10_000
AGENT_PREFIX = "agent-"


@dataclass(frozen=True)
class Agent:
    role: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class RoleBook:
    """Each identity's role, and the task types its agent blueprint grants it.

    `roles` are given outright (a roles file). An identity `agent-<blueprint>`,
    or `agent-<blueprint>@<host>` (the name on an agent host's certificate), is
    that blueprint's worker: it has the role its `agents` entry names, and its
    skills as grants, unless `roles` says otherwise.
    """

    roles: Mapping[str, str] = field(default_factory=dict)
    agents: Mapping[str, Agent] = field(default_factory=dict)

    def role(self, identity: str) -> str:
        if identity in self.roles:
            return self.roles[identity]
        agent = self._agent(identity)
        return agent.role if agent else ""

    def grants(self, identity: str) -> tuple[str, ...]:
        agent = self._agent(identity)
        return agent.skills if agent else ()

    def _agent(self, identity: str) -> Agent | None:
        name = identity.split("@", 1)[0]
        if not name.startswith(AGENT_PREFIX):
            return None
        return self.agents.get(name.removeprefix(AGENT_PREFIX))


# Without tokens, a queue reached only from this host answers to this host's users.
LOCAL_ROLES = RoleBook({ANONYMOUS: "admin"})


def load_roles(path: Path) -> dict[str, str]:
    document = load_yaml(path, missing="roles file not found")
    if not isinstance(document, dict):
        raise InputError(path, None, "must map identity to role")
    for identity, role in document.items():
        if not isinstance(identity, str) or not isinstance(role, str) or not role:
            raise InputError(path, str(identity), "role must be a non-empty string")
    return dict(document)


def policy_authorizer(
    book: RoleBook,
    action: str = "enqueue",
    clock: Callable[[], float] = time.monotonic,
) -> Authorize:
    """An authorize hook that asks the policy engine, audits each decision, and remembers it."""
    from nova.policy.gate import check_enqueue

    remembered: dict[tuple[str, str], tuple[float, tuple[bool, str]]] = {}
    lock = threading.Lock()

    def authorize(identity: str, task_type: str) -> tuple[bool, str]:
        key = (identity, task_type)
        with lock:
            hit = remembered.get(key)
        if hit is not None and hit[0] > clock():
            return hit[1]
        decision = check_enqueue(
            identity,
            book.role(identity),
            task_type,
            action=action,
            grants=book.grants(identity),
        )
        if decision.allow:
            answer = (True, "")
        else:
            reasons = "; ".join(decision.violations) or decision.reason or "denied by policy"
            answer = (False, f"{reasons} (decision {decision.decision_id})")
        with lock:
            if len(remembered) >= REMEMBER_MAX:  # many task types: start over, not grow
                remembered.clear()
            remembered[key] = (clock() + REMEMBER_SECONDS, answer)
        return answer

    return authorize
