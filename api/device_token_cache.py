"""A cache of device-token checks (§25.7: "cached so the check is cheap") that never outlives a
revocation: every committed revocation (device removed, re-paired or moved) invalidates it
(api.revocation_cache). Revocations that bypass the API (a tenant disabled in the database)
are bounded by the TTL."""

from __future__ import annotations

from api.revocation_cache import RevocationCache
from signage.auth.principal import DevicePrincipal
from signage.config import Settings
from signage.revocation_epochs import DEVICE_TOKEN_EPOCH_KEY, EpochStore, epoch_store_for

# Revocation is what makes an entry stale (the epoch); the TTL is only a backstop. It outlives
# the 60 s heartbeat and manifest cadence so a fleet's token checks hit the database about once
# per device every ten minutes, not on every other request.
TTL_SECONDS = 600.0


class DeviceTokenCache(RevocationCache[str, DevicePrincipal]):
    """Token digest -> the device it authenticates."""

    def __init__(self, epochs: EpochStore) -> None:
        super().__init__(epochs, TTL_SECONDS)


def device_token_cache_for(settings: Settings) -> DeviceTokenCache:
    """The device token check cache, keyed by the shared revocation epoch."""
    return DeviceTokenCache(epoch_store_for(settings, DEVICE_TOKEN_EPOCH_KEY))
