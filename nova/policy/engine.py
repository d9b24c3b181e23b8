"""The policy engine: one question in, one Decision out, refusing on any doubt.

Undefined, non-boolean, malformed, failed or timed-out evaluations all become
`allow=False` with the reason recorded. Only clean verdicts are cached.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from nova.core.canonical import canonical_json, sha256_hex
from nova.policy.backend import Backend, BackendError
from nova.policy.cache import DecisionCache
from nova.policy.decision import Decision, parse_document


class PolicyEngine:
    def __init__(self, backend: Backend, cache: DecisionCache | None = None) -> None:
        self.backend = backend
        self.cache = cache

    def decide(self, policy: str, document: Mapping[str, Any]) -> Decision:
        """Evaluate `policy` (a package path such as `nova/provision`) on `document`."""
        started = time.perf_counter()
        try:
            canonical = canonical_json(document)
        except (TypeError, ValueError) as exc:
            return self._refuse(policy, "", "", started, f"malformed input: {exc}")
        digest = sha256_hex(canonical)
        try:
            revision = self.backend.revision()
        except BackendError as exc:
            return self._refuse(policy, digest, "", started, f"error: {exc}")
        key = (revision, policy, canonical)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit.as_cached(_elapsed_ms(started))
        try:
            result, evaluated_under = self.backend.query(policy, json.loads(canonical))
        except BackendError as exc:
            return self._refuse(policy, digest, revision, started, f"error: {exc}")
        except TimeoutError as exc:
            return self._refuse(policy, digest, revision, started, f"timeout: {exc}")
        allow, violations, reason = parse_document(result)
        decision = Decision(
            allow=allow,
            policy=policy,
            violations=violations,
            revision=evaluated_under,
            input_hash=digest,
            engine=self.backend.name,
            latency_ms=_elapsed_ms(started),
            reason=reason,
        )
        if self.cache is not None and reason is None:
            # Stored under the revision that produced it, which a remote server
            # may have changed since the lookup.
            self.cache.put((evaluated_under, policy, canonical), decision)
        return decision

    def _refuse(
        self, policy: str, digest: str, revision: str, started: float, reason: str
    ) -> Decision:
        return Decision(
            allow=False,
            policy=policy,
            revision=revision,
            input_hash=digest,
            engine=self.backend.name,
            latency_ms=_elapsed_ms(started),
            reason=reason,
        )


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 4)
