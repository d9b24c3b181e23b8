"""Bounded LRU cache of decisions with a time to live.

Keys carry the policy revision, so a decision made under one revision is never
served under another; a new revision empties the cache outright.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from nova.policy.decision import Decision

CacheKey = tuple[str, str, str]  # (revision, policy, canonical input)


class DecisionCache:
    def __init__(
        self,
        max_entries: int = 1024,
        ttl_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[CacheKey, tuple[float, Decision]] = OrderedDict()
        self._revision: str | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> Decision | None:
        with self._lock:
            self._follow_revision(key[0])
            entry = self._entries.get(key)
            if entry is None or self._clock() - entry[0] > self.ttl_seconds:
                if entry is not None:
                    del self._entries[key]
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: CacheKey, decision: Decision) -> None:
        """Store a verdict; refusals born of errors are never stored (see engine)."""
        with self._lock:
            self._follow_revision(key[0])
            self._entries[key] = (self._clock(), decision)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _follow_revision(self, revision: str) -> None:
        if revision != self._revision:
            self._entries.clear()
            self._revision = revision
