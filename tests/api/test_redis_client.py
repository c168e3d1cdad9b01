"""One Redis client per process (issue 14 item 6): the API's rate limiter, manifest cache,
presence board and revocation epochs share one connection pool instead of opening their own."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from api.context import manifest_store_for, presence_for, rate_limiter_for
from signage.config import Environment, Settings
from signage.ratelimit import RedisRateLimiter
from signage.revocation_epochs import (
    DEVICE_TOKEN_EPOCH_KEY,
    USER_SESSION_EPOCH_KEY,
    RedisEpoch,
    epoch_store_for,
)
from tests.support.clock import FakeClock


def test_every_redis_user_of_a_process_shares_one_client(tmp_path: Path, redis_url: str) -> None:
    settings = Settings(
        environment=Environment.TEST,
        data_dir=tmp_path,
        redis_url=redis_url,
        jwt_secret=SecretStr("test-secret-" + "x" * 40),
    )
    limiter = rate_limiter_for(settings)
    device_epochs = epoch_store_for(settings, DEVICE_TOKEN_EPOCH_KEY)
    session_epochs = epoch_store_for(settings, USER_SESSION_EPOCH_KEY)
    assert isinstance(limiter, RedisRateLimiter)
    assert isinstance(device_epochs, RedisEpoch)
    assert isinstance(session_epochs, RedisEpoch)

    clients = {
        id(limiter._client),
        id(manifest_store_for(settings, FakeClock())._redis),  # type: ignore[attr-defined]
        id(presence_for(settings)._redis),  # type: ignore[attr-defined]
        id(device_epochs._client),
        id(session_epochs._client),
    }

    assert len(clients) == 1
