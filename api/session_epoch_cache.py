"""A cache of users' session epochs (issue 13 item 7), so checking that an access token was not
revoked costs no query per request. Every committed epoch move (user disabled, roles changed,
signed out, refresh token reused) invalidates it on every replica (api.revocation_cache), so
the revoked token fails on its very next request. A user disabled in the database by hand is
refused within the TTL."""

from __future__ import annotations

import uuid

from api.revocation_cache import RevocationCache
from signage.config import Settings
from signage.revocation_epochs import USER_SESSION_EPOCH_KEY, EpochStore, epoch_store_for

# Only a backstop (see above): revocations through the API take effect at once. Short, since
# a user's requests are few next to a fleet's heartbeats.
TTL_SECONDS = 60.0


class SessionEpochCache(RevocationCache[uuid.UUID, int]):
    """User id -> the session epoch that user's access tokens must carry."""

    def __init__(self, epochs: EpochStore) -> None:
        super().__init__(epochs, TTL_SECONDS)


def session_epoch_cache_for(settings: Settings) -> SessionEpochCache:
    """The session epoch cache, keyed by the shared revocation epoch."""
    return SessionEpochCache(epoch_store_for(settings, USER_SESSION_EPOCH_KEY))
