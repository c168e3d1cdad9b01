"""A cache of device-token checks (§25.7: "cached so the check is cheap") that never outlives a
revocation. Entries are stamped with a revocation epoch; every committed revocation (device
removed, re-paired or moved) bumps the epoch, which invalidates every entry at once. With Redis
the epoch lives there, so a revocation on one replica is seen by all on their next request.
Revocations that bypass the API (a tenant disabled in the database) are bounded by the TTL."""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from signage.auth.principal import DevicePrincipal

# Revocation is what makes an entry stale (the epoch); the TTL is only a backstop. It outlives
# the 60 s heartbeat and manifest cadence so a fleet's token checks hit the database about once
# per device every ten minutes, not on every other request.
TTL_SECONDS = 600.0
_MAX_ENTRIES = 100_000


class EpochStore(Protocol):
    def current(self) -> int: ...
    def bump(self) -> None: ...


class LocalEpoch:
    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def current(self) -> int:
        return self._value

    def bump(self) -> None:
        with self._lock:
            self._value += 1


class RedisEpoch:
    KEY = "signage:device-token-revocations"

    def __init__(self, client: Any) -> None:
        self._client = client

    def current(self) -> int:
        return int(self._client.get(self.KEY) or 0)

    def bump(self) -> None:
        self._client.incr(self.KEY)


class DeviceTokenCache:
    def __init__(self, epochs: EpochStore) -> None:
        self._epochs = epochs
        self._entries: dict[str, tuple[int, float, DevicePrincipal]] = {}

    def get(self, token_digest: str) -> DevicePrincipal | None:
        entry = self._entries.get(token_digest)
        if entry is None:
            return None
        epoch, stored_at, principal = entry
        if epoch != self._epochs.current() or time.monotonic() - stored_at > TTL_SECONDS:
            self._entries.pop(token_digest, None)
            return None
        return principal

    def put(self, token_digest: str, principal: DevicePrincipal, epoch: int) -> None:
        """`epoch` is the one read before the database check, so a revocation committed in
        between makes this entry stale at once."""
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[token_digest] = (epoch, time.monotonic(), principal)

    def epoch(self) -> int:
        return self._epochs.current()

    @property
    def in_process(self) -> bool:
        """Whether checks need no I/O (no Redis), so they may run on the event loop."""
        return isinstance(self._epochs, LocalEpoch)

    def revoked(self) -> None:
        self._epochs.bump()
