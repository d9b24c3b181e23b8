"""The OPA REST backend against a loopback Data API server (no OPA binary here)."""

from __future__ import annotations

from opa_data_api import DataApiServer

from nova.policy.cache import DecisionCache
from nova.policy.engine import PolicyEngine
from nova.policy.opa_backend import OpaBackend, OpaSettings

QUEUE_OK = {"identity": "w1", "role": "agent", "task_type": "code"}


def _engine(server: DataApiServer, **settings: object) -> PolicyEngine:
    return PolicyEngine(
        OpaBackend(OpaSettings(url=server.url, backoff_s=0.0, **settings)),  # type: ignore[arg-type]
        DecisionCache(),
    )


def test_posts_input_to_the_data_api_with_bearer_token(opa_server: DataApiServer) -> None:
    opa_server.token = "s3cret-token"
    decision = _engine(opa_server, token="s3cret-token").decide("nova/queue", QUEUE_OK)
    assert decision.allow is True
    assert decision.revision == "opa:nova@rev-1"
    request = opa_server.requests[0]
    assert request["path"].startswith("/v1/data/nova/queue")
    assert request["body"] == {"input": QUEUE_OK}
    assert request["auth"] == "Bearer s3cret-token"


def test_wrong_token_is_denied_without_retry(opa_server: DataApiServer) -> None:
    opa_server.token = "right"
    decision = _engine(opa_server, token="wrong", retries=3).decide("nova/queue", QUEUE_OK)
    assert decision.allow is False
    assert "HTTP 401" in (decision.reason or "")
    assert len(opa_server.requests) == 1


def test_server_errors_are_retried(opa_server: DataApiServer) -> None:
    opa_server.failures = 2
    decision = _engine(opa_server, retries=2).decide("nova/queue", QUEUE_OK)
    assert decision.allow is True
    assert len(opa_server.requests) == 3


def test_exhausted_retries_deny_and_are_not_cached(opa_server: DataApiServer) -> None:
    opa_server.failures = 5
    engine = _engine(opa_server, retries=1)
    decision = engine.decide("nova/queue", QUEUE_OK)
    assert decision.allow is False
    assert "unreachable after 2 attempts" in (decision.reason or "")
    assert engine.cache is not None and len(engine.cache) == 0


def test_timeout_denies(opa_server: DataApiServer) -> None:
    opa_server.delay_s = 0.5
    decision = _engine(opa_server, timeout_s=0.1, retries=0).decide("nova/queue", QUEUE_OK)
    assert decision.allow is False
    assert decision.reason is not None and "unreachable" in decision.reason


def test_unreachable_server_denies() -> None:
    backend = OpaBackend(OpaSettings(url="http://127.0.0.1:9", retries=0, timeout_s=0.5))
    decision = PolicyEngine(backend).decide("nova/queue", QUEUE_OK)
    assert decision.allow is False


def test_malformed_answer_denies(opa_server: DataApiServer) -> None:
    opa_server.raw_answer = b"<html>not json</html>"
    decision = _engine(opa_server).decide("nova/queue", QUEUE_OK)
    assert decision.allow is False
    assert "malformed JSON" in (decision.reason or "")


def test_non_boolean_result_denies(opa_server: DataApiServer) -> None:
    opa_server.raw_answer = b'{"result": {"allow": "true", "violations": []}}'
    decision = _engine(opa_server).decide("nova/queue", QUEUE_OK)
    assert decision.allow is False
    assert decision.reason == "malformed: allow is str, not boolean"


def test_new_bundle_revision_empties_the_cache(opa_server: DataApiServer) -> None:
    engine = _engine(opa_server)
    engine.decide("nova/queue", QUEUE_OK)
    assert engine.decide("nova/queue", QUEUE_OK).cached is True
    opa_server.revision = "rev-2"
    engine.decide("nova/queue", {**QUEUE_OK, "identity": "w2"})
    after = engine.decide("nova/queue", QUEUE_OK)
    assert after.cached is False
    assert after.revision == "opa:nova@rev-2"


def test_settings_repr_hides_token() -> None:
    assert "hunter2" not in repr(OpaSettings(url="http://127.0.0.1:1", token="hunter2"))
