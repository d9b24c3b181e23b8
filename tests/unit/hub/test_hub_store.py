"""Hub messages are persisted in the state store and read back in order, secrets masked."""

from __future__ import annotations

from pathlib import Path

from nova.orchestrate.hub.store import Hub, Message


def test_messages_round_trip_in_order_per_channel(nova_home: Path) -> None:
    hub = Hub()
    first = hub.broadcast(
        "run-a",
        "phase-start",
        "orchestrator",
        "phase foundation",
        depends_on=[],
        tasks=["infrastructure-audit"],
    )
    hub.post(Message("run-b", "agent-start", "orchestrator", "agent aura", {"agent": "aura"}))
    direct = hub.post(Message("run-a", "note", "nova", "to orion only", {}, ("orion",)))
    assert first.seq < direct.seq and first.at > 0

    again = Hub(nova_home / "state.db")  # another process would see the same
    assert [m.subject for m in again.read("run-a")] == ["phase foundation", "to orion only"]
    assert again.read("run-a")[0].body == {"depends_on": [], "tasks": ["infrastructure-audit"]}
    assert [m.subject for m in again.read("run-a", recipient="aura")] == ["phase foundation"]
    after_first = again.read(recipient="orion", after=first.seq)
    assert [m.subject for m in after_first] == ["agent aura", "to orion only"]
    assert again.count() == 3


def test_a_secret_in_a_body_is_never_stored(nova_home: Path) -> None:
    hub = Hub()
    hub.broadcast(
        "run-a", "task-result", "nova", "task x", error="login failed", token="s3cr3t-v4lue"
    )
    stored = (nova_home / "state.db").read_bytes()
    assert b"s3cr3t-v4lue" not in stored
    assert hub.read("run-a")[0].body["token"] == "***"
