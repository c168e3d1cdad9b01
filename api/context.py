"""What the app holds for its lifetime: settings, database and the shared services.

Everything here is either stateless, shared through Redis, or a cache with a TTL, so N replicas
behave as one (DESIGN.md scale-out story).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from api.device_token_cache import DeviceTokenCache, device_token_cache_for
from api.heartbeat_batcher import HeartbeatBatcher
from api.session_epoch_cache import SessionEpochCache, session_epoch_cache_for
from signage.auth.tokens import TokenPolicy, token_policy
from signage.config import Settings
from signage.db.engine import Database
from signage.devices.waiting_commands import WaitingCommands
from signage.manifest.cache import LocalManifestStore, ManifestStore, RedisManifestStore
from signage.manifest.service import ManifestService
from signage.presence import PostgresPresence, PresenceBoard, RedisPresence
from signage.ratelimit import InProcessRateLimiter, RateLimiter, RedisRateLimiter
from signage.redis_client import shared_redis
from signage.storage.base import ObjectStorage
from signage.storage.factory import storage_from_settings
from signage.storage.local import LocalStorage


def system_clock() -> datetime:
    """Now in UTC: the app's clock unless a test injects one."""
    return datetime.now(UTC)


def storage_for(settings: Settings, clock: Callable[[], datetime]) -> ObjectStorage:
    """S3 when configured; otherwise local disk whose URL expiry follows the app's clock."""
    if settings.uses_s3:
        return storage_from_settings(settings)
    return LocalStorage(
        settings.media_dir,
        public_base_url=settings.api_base_url,
        signing_secret=settings.jwt_secret_value(),
        max_object_bytes=settings.max_upload_bytes,
        clock=clock,
    )


def rate_limiter_for(settings: Settings) -> RateLimiter:
    """The shared Redis limiter when Redis is configured, else this process's own."""
    if settings.redis_url:
        return RedisRateLimiter(shared_redis(settings.redis_url))
    return InProcessRateLimiter()


def manifest_store_for(settings: Settings, clock: Callable[[], datetime]) -> ManifestStore:
    """The shared Redis manifest cache when Redis is configured, else this process's own."""
    if settings.redis_url:
        return RedisManifestStore(shared_redis(settings.redis_url))
    return LocalManifestStore(clock)


def presence_for(settings: Settings) -> PresenceBoard:
    """Presence in Redis when configured, else in the editor_presence table."""
    if settings.redis_url:
        return RedisPresence(shared_redis(settings.redis_url))
    return PostgresPresence()


@dataclass
class AppContext:
    settings: Settings
    database: Database
    clock: Callable[[], datetime] = field(default=system_clock)
    tokens: TokenPolicy = field(init=False)
    rate_limiter: RateLimiter = field(init=False)
    storage: ObjectStorage = field(init=False)
    device_tokens: DeviceTokenCache = field(init=False)
    session_epochs: SessionEpochCache = field(init=False)
    manifests: ManifestService = field(init=False)
    presence: PresenceBoard = field(init=False)
    heartbeats: HeartbeatBatcher = field(init=False)
    waiting_commands: WaitingCommands = field(init=False)

    def __post_init__(self) -> None:
        self.device_tokens = device_token_cache_for(self.settings)
        self.session_epochs = session_epoch_cache_for(self.settings)
        self.tokens = token_policy(self.settings)
        self.rate_limiter = rate_limiter_for(self.settings)
        self.storage = storage_for(self.settings, self.clock)
        self.manifests = ManifestService(
            self.storage,
            manifest_store_for(self.settings, self.clock),
            url_grace=timedelta(minutes=self.settings.media_url_grace_minutes),
            poll_seconds=self.settings.manifest_poll_seconds,
        )
        self.presence = presence_for(self.settings)
        self.heartbeats = HeartbeatBatcher(self.database)
        self.waiting_commands = WaitingCommands()
