"""Hub messages, persisted in the state store and read back in order.

A message has a kind (`run-start`, `phase-start`, `agent-start`,
`task-result`, `phase-end`, `run-end`), a sender, its recipients (`*` for a
broadcast), a subject and a JSON body carrying metadata such as the
dependencies of the phase or agent it announces. Bodies are masked like the
audit log, so a secret a handler let slip into its result is never stored.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nova.audit.mask import mask
from nova.runs.statedb import connect, prepare

BROADCAST = "*"


@dataclass(frozen=True)
class Message:
    channel: str  # the orchestration run the message belongs to
    kind: str
    sender: str
    subject: str
    body: dict[str, Any] = field(default_factory=dict)
    recipients: tuple[str, ...] = (BROADCAST,)
    at: float = 0.0
    seq: int = 0

    @property
    def time(self) -> str:
        return datetime.fromtimestamp(self.at, UTC).isoformat(timespec="milliseconds")

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "channel": self.channel,
            "time": self.time,
            "kind": self.kind,
            "sender": self.sender,
            "recipients": list(self.recipients),
            "subject": self.subject,
            "body": self.body,
        }


class Hub:
    def __init__(self, path: Path | None = None) -> None:
        self.path = prepare(path)

    def post(self, message: Message) -> Message:
        """Persist a message; returns it with its sequence number and time."""
        at = message.at or time.time()
        body = mask(message.body)
        with connect(self.path) as db:
            cursor = db.execute(
                "INSERT INTO hub_messages (channel, at, kind, sender, recipients, subject, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    message.channel,
                    at,
                    message.kind,
                    message.sender,
                    json.dumps(list(message.recipients)),
                    message.subject,
                    json.dumps(body, sort_keys=True, default=str),
                ),
            )
            seq = int(cursor.lastrowid or 0)
        return Message(
            message.channel,
            message.kind,
            message.sender,
            message.subject,
            body,
            message.recipients,
            at,
            seq,
        )

    def broadcast(self, channel: str, kind: str, sender: str, subject: str, **body: Any) -> Message:
        return self.post(Message(channel, kind, sender, subject, body))

    def read(
        self,
        channel: str | None = None,
        *,
        recipient: str | None = None,
        after: int = 0,
        limit: int | None = None,
    ) -> list[Message]:
        """Messages in the order they were posted; a recipient also sees broadcasts."""
        query = "SELECT * FROM hub_messages WHERE seq > ?"
        args: list[Any] = [after]
        if channel is not None:
            query += " AND channel = ?"
            args.append(channel)
        query += " ORDER BY seq"
        with connect(self.path) as db:
            rows = db.execute(query, args).fetchall()
        messages = [_from_row(row) for row in rows]
        if recipient is not None:
            messages = [
                m for m in messages if BROADCAST in m.recipients or recipient in m.recipients
            ]
        return messages[:limit] if limit is not None else messages

    def count(self) -> int:
        with connect(self.path) as db:
            return int(db.execute("SELECT COUNT(*) FROM hub_messages").fetchone()[0])


def _from_row(row: Any) -> Message:
    return Message(
        channel=row["channel"],
        kind=row["kind"],
        sender=row["sender"],
        subject=row["subject"],
        body=json.loads(row["body"]),
        recipients=tuple(json.loads(row["recipients"])),
        at=row["at"],
        seq=row["seq"],
    )
