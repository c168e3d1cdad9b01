"""Caches of credential checks that never outlive a revocation. Entries are stamped with a
revocation epoch; every committed revocation bumps the epoch, which invalidates every entry at
once. With Redis the epoch lives there, so a revocation on one replica is seen by all on their
next request. Revocations that bypass the API (a row changed in the database by hand) are
bounded by the TTL."""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

from signage.revocation_epochs import EpochStore, LocalEpoch

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")
_MAX_ENTRIES = 100_000


class RevocationCache(Generic[Key, Value]):
    def __init__(self, epochs: EpochStore, ttl_seconds: float) -> None:
        self._epochs = epochs
        self._ttl_seconds = ttl_seconds
        self._entries: dict[Key, tuple[int, float, Value]] = {}

    def get(self, key: Key) -> Value | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        epoch, stored_at, value = entry
        if epoch != self._epochs.current() or time.monotonic() - stored_at > self._ttl_seconds:
            self._entries.pop(key, None)
            return None
        return value

    def put(self, key: Key, value: Value, epoch: int) -> None:
        """`epoch` is the one read before the database check, so a revocation committed in
        between makes this entry stale at once."""
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (epoch, time.monotonic(), value)

    def epoch(self) -> int:
        return self._epochs.current()

    @property
    def in_process(self) -> bool:
        """Whether checks need no I/O (no Redis), so they may run on the event loop."""
        return isinstance(self._epochs, LocalEpoch)

    def revoked(self) -> None:
        self._epochs.bump()
