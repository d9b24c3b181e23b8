"""Enqueue authorisation by policy: the token's identity, its role, the task type.

Roles come from a YAML file mapping identity to role (`admin`, `operator`,
`agent`, `viewer`; see nova/policy/policies/queue.rego). An identity with no
role gets none, and the policy refuses it: deny by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from nova.core.errors import InputError
from nova.core.yamlfile import load_yaml
from nova.queue.auth import Authorize


def load_roles(path: Path) -> dict[str, str]:
    document = load_yaml(path, missing="roles file not found")
    if not isinstance(document, dict):
        raise InputError(path, None, "must map identity to role")
    for identity, role in document.items():
        if not isinstance(identity, str) or not isinstance(role, str) or not role:
            raise InputError(path, str(identity), "role must be a non-empty string")
    return dict(document)


def policy_authorizer(roles: Mapping[str, str]) -> Authorize:
    """An authorize hook that asks the policy engine, and audits each decision."""

    def authorize(identity: str, task_type: str) -> tuple[bool, str]:
        from nova.policy.gate import check_enqueue

        decision = check_enqueue(identity, roles.get(identity, ""), task_type)
        if decision.allow:
            return True, ""
        reasons = "; ".join(decision.violations) or decision.reason or "denied by policy"
        return False, f"{reasons} (decision {decision.decision_id})"

    return authorize
