"""Queue tokens: made random, kept hashed with an expiry, rotated by create then revoke."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cli_harness import run_main

from nova.audit.log import AuditLog
from nova.core.errors import InputError
from nova.queue.auth import TokenAuth, digest, read_entries
from nova.queue.tokens import create_token, list_tokens, revoke_tokens


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


def test_a_created_token_is_kept_only_as_its_hash_in_an_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "home" / "queue-tokens.yml"
    new = create_token(path, "alice", 3600)
    text = path.read_text()
    assert new.secret not in text and digest(new.secret) in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(new.secret) >= 40
    assert TokenAuth.load(path).identify(bearer(new.secret)) == "alice"
    assert new.entry.expires is not None and new.entry.created is not None


def test_an_expired_token_identifies_nobody(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    new = create_token(path, "alice", 60)
    later = TokenAuth(read_entries(path), clock=lambda: 10**10)
    assert later.identify(bearer(new.secret)) is None
    assert TokenAuth(read_entries(path)).identify(bearer(new.secret)) == "alice"


def test_rotation_keeps_both_tokens_until_the_old_one_is_revoked(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    old = create_token(path, "alice", None)
    new = create_token(path, "alice", None)
    bob = create_token(path, "bob", None)
    auth = TokenAuth.load(path)
    assert [auth.identify(bearer(t.secret)) for t in (old, new, bob)] == ["alice", "alice", "bob"]

    assert revoke_tokens(path, "alice", old.entry.id) == [old.entry]
    auth = TokenAuth.load(path)
    assert [auth.identify(bearer(t.secret)) for t in (old, new, bob)] == [None, "alice", "bob"]
    with pytest.raises(InputError, match=r"no token \S+ of alice"):
        revoke_tokens(path, "alice", old.entry.id)
    revoke_tokens(path, "alice")
    assert [e.identity for e in list_tokens(path)] == ["bob"]


def test_a_hand_written_plaintext_token_is_flagged_and_rewritten_hashed(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    path.write_text("alice: a-plaintext-token-0123\n")
    path.chmod(0o600)
    [entry] = read_entries(path)
    assert entry.plaintext
    create_token(path, "bob", None)  # any write keeps alice's token, as a hash
    assert "a-plaintext-token-0123" not in path.read_text()
    assert TokenAuth.load(path).identify(bearer("a-plaintext-token-0123")) == "alice"


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("alice: [{sha256: abc}]\n", "alice[0]", "64 hexadecimal digits"),
        ("alice: [{sha256: " + "a" * 64 + ", expires: soon}]\n", "alice[0].expires", "ISO 8601"),
        ("alice: [{sha256: " + "a" * 64 + ", colour: red}]\n", "alice[0]", "mapping of sha256"),
        ("alice: [plain]\n", "alice[0]", "mapping of sha256"),
        ("- a list\n", None, "must map identity to token"),
    ],
)
def test_a_broken_tokens_file_names_the_field(
    tmp_path: Path, text: str, field: str | None, reason: str
) -> None:
    path = tmp_path / "t.yml"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(InputError) as caught:
        read_entries(path)
    assert caught.value.field == field
    assert reason in str(caught.value)


def test_a_tokens_file_others_can_read_is_refused_naming_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    create_token(path, "alice", None)
    path.chmod(0o640)
    with pytest.raises(
        InputError, match=r"readable by group or others \(mode 0640\); run: chmod 600"
    ):
        read_entries(path)


def test_the_commands_show_the_secret_once_and_audit_without_it(nova_home: Path) -> None:
    created = run_main("queue", "token", "create", "worker-orion", "--expires", "30d")
    assert created.code == 0, created.stderr
    secret = created.stdout.strip()
    assert "shown only now" in created.stderr

    listed = run_main("queue", "token", "list", "-o", "json")
    [row] = json.loads(listed.stdout)
    assert row["identity"] == "worker-orion" and row["state"] == "valid"
    assert secret not in listed.stdout

    assert run_main("queue", "token", "create", "x", "--expires", "soon").code == 2
    assert run_main("queue", "token", "create", "Bad Name").code == 2
    revoked = run_main("queue", "token", "revoke", "worker-orion", "--id", row["id"])
    assert revoked.code == 0 and row["id"] in revoked.stdout
    assert run_main("queue", "token", "revoke", "worker-orion").code == 2

    entries = [(e.action, e.subject, e.payload) for e in AuditLog().entries()]
    assert [a for a, _, _ in entries] == ["queue.token.create", "queue.token.revoke"]
    assert all(secret not in json.dumps(p) for _, _, p in entries)
    assert entries[1][2]["ids"] == [row["id"]] and entries[0][2]["id"] == row["id"]
