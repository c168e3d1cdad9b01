"""The revocation epochs behind the API's credential caches (api.revocation_cache): every
committed revocation bumps one, which makes every cached check stale at once. With Redis they
live there, so a revocation made anywhere (an API replica, the `signage` CLI) is seen by every
replica on its next request. The domain owns the keys so that the CLI can announce a
revocation without knowing the API."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from signage.config import Settings
from signage.redis_client import shared_redis

DEVICE_TOKEN_EPOCH_KEY = "signage:device-token-revocations"  # noqa: S105 (a Redis key)
USER_SESSION_EPOCH_KEY = "signage:user-session-revocations"


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
    def __init__(self, client: Any, key: str) -> None:
        self._client = client
        self._key = key

    def current(self) -> int:
        return int(self._client.get(self._key) or 0)

    def bump(self) -> None:
        self._client.incr(self._key)


def epoch_store_for(settings: Settings, redis_key: str) -> EpochStore:
    """Shared by every replica through Redis when configured, else this process's own."""
    if settings.redis_url:
        return RedisEpoch(shared_redis(settings.redis_url), redis_key)
    return LocalEpoch()


def announce_credential_revocations(settings: Settings) -> None:
    """After a commit that revoked outside the API (a tenant disabled by the CLI), make every
    replica's cached token and session checks stale. Without Redis each API process keeps its
    own epochs and forgets within its caches' TTL (docs/operations.md)."""
    if settings.redis_url:
        for key in (DEVICE_TOKEN_EPOCH_KEY, USER_SESSION_EPOCH_KEY):
            epoch_store_for(settings, key).bump()
