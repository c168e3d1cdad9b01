"""Online or offline (§10): every finished background call says which.

The first failure to reach the backend enters offline mode (the player plays on from its cache
and says so in an event); the first success leaves it, and downloads that gave up start over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from player.api_client import ApiError
from player.network import Network
from player.outbox import Outbox
from player.wire import format_utc

LOG = logging.getLogger("player")


class Connectivity:
    """Told by every finished background call (a `background_jobs.JobWatcher`)."""

    def __init__(
        self, network: Network, outbox: Outbox, on_token_rejected: Callable[[], None]
    ) -> None:
        self._network = network
        self._outbox = outbox
        self._on_token_rejected = on_token_rejected
        self.connected = True
        self.last_sync_utc: datetime | None = None
        self._offline_since = network.wire_now()

    def call_succeeded(self) -> None:
        self.last_sync_utc = self._network.wire_now()
        if self.connected:
            return
        self.connected = True
        offline_for = max(0.0, (self._network.wire_now() - self._offline_since).total_seconds())
        LOG.info("back online after %.0f s", offline_for)
        payload = {"offlineDurationSeconds": int(offline_for)}
        self._outbox.emit("ONLINE_RESTORED", "INFO", payload)
        self._network.downloads.forget_failures()

    def call_failed(self, error: ApiError) -> None:
        if not error.is_offline or not self.connected:
            return
        self.connected = False
        self._offline_since = self._network.wire_now()
        LOG.warning("backend unreachable: offline, playing from cache")
        last = format_utc(self.last_sync_utc) if self.last_sync_utc else None
        self._outbox.emit("OFFLINE_ENTERED", "WARNING", {"lastOnlineAtUtc": last})

    def token_rejected(self) -> None:
        self._on_token_rejected()
