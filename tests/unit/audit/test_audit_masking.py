from __future__ import annotations

from pathlib import Path

from nova.audit.log import AuditLog
from nova.audit.mask import register_secret

SECRETS = [
    "wg-priv-4bQ2y7Zk0mN8pR3sT6vX9aC1eF5hJ7lO0qS2uW4yA=",
    "tok_9f8e7d6c5b4a",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----",
]


def test_secrets_never_reach_the_database_file(tmp_path: Path) -> None:
    register_secret(SECRETS[1])
    log = AuditLog(tmp_path / "audit.db", checkpoint_every=2)
    log.append("alice", "vpn.keygen", "node1", None, {"private_key": SECRETS[0]})
    log.append("alice", "queue.enqueue", "task", None, {"header": f"Bearer {SECRETS[1]}"})
    log.append("alice", "ssh.setup", "node1", None, {"notes": ["key:", SECRETS[2]]})
    log.append(f"token {SECRETS[1]}", "x", "y", None, {"nested": {"db_password": "pw-123456"}})
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("audit.db*"))
    for secret in [*SECRETS, "pw-123456"]:
        assert secret.encode() not in raw
        for entry in log.entries():
            assert secret not in str(entry.to_dict())
    entries = list(log.entries())
    assert entries[0].payload == {"private_key": "***"}
    assert entries[3].payload == {"nested": {"db_password": "***"}}
