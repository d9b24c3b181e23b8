"""Storage backends behind one interface; `open_storage` picks one from a URL or path."""

from __future__ import annotations

from pathlib import Path

from nova.queue.storage.base import QueueFull, Storage


def open_storage(
    *, db: Path | None = None, redis_url: str | None = None, durable: bool = False
) -> Storage:
    """SQLite at `db` (synchronous=FULL when durable), or Redis at `redis_url`."""
    if redis_url:
        from nova.queue.storage.redis import RedisStorage

        return RedisStorage.connect(redis_url)
    from nova.queue.storage.sqlite import SqliteStorage

    if db is None:
        raise ValueError("either db or redis_url is required")
    return SqliteStorage(db, durable=durable)


__all__ = ["QueueFull", "Storage", "open_storage"]
