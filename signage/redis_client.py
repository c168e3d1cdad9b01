"""One Redis client per process and URL: the rate limiter, the manifest cache, presence and
the revocation epochs share its connection pool instead of opening four of their own."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis


@cache
def shared_redis(url: str) -> redis.Redis[bytes]:
    """The process's client for `url` (thread-safe; redis-py re-opens its pool after a fork)."""
    import redis  # only deployments that configure Redis need the package loaded

    return redis.Redis.from_url(url)
