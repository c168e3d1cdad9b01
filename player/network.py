"""The network side: the HTTP client and download workers, server time, and whether we are online.

`Network` is built after the first frame (§28.1: httpx loads once cached content is on screen).
`Connectivity` watches every background call: the first failure to reach the backend enters
offline mode (§10), the first success leaves it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from player.api_client import ApiError, PlayerApi
from player.cache_index import CacheIndex
from player.clock import Clock, corrected_time
from player.downloads import DownloadManager
from player.store import DataDir
from player.wire import format_utc

if TYPE_CHECKING:
    import httpx

    from player.outbox import Outbox

LOG = logging.getLogger("player")


class Network:
    """`api` and `downloads` exist once `build` ran (`ready`); server time works before."""

    def __init__(
        self,
        api_url: str,
        max_downloads: int,
        store: DataDir,
        index: CacheIndex,
        clock: Clock,
        token: Callable[[], str | None],
        transport: httpx.BaseTransport | None,
    ) -> None:
        self._api_url = api_url
        self._max_downloads = max_downloads
        self._store = store
        self._index = index
        self._clock = clock
        self._token = token
        self._transport = transport
        self.ready = False
        self.api: PlayerApi
        self.downloads: DownloadManager

    def build(self) -> None:
        """HTTP client and download workers, built once the cache is already on screen."""
        self.api = PlayerApi(self._api_url, self._token, self._clock.now, self._transport)
        self.downloads = DownloadManager(
            self._store.assets_dir,
            self._store.downloads_dir,
            self._index,
            monotonic=self._clock.monotonic,
            wall_time=lambda: self._clock.now().timestamp(),
            max_concurrent=self._max_downloads,
            transport=self._transport,
        )
        self.ready = True

    def wire_now(self) -> datetime:
        """Time as the server sees it (§27.8.2); device time while the skew is small."""
        return self.to_wire(self._clock.now())

    def to_wire(self, device_time: datetime) -> datetime:
        offset = self.api.server_offset if self.ready else None
        return corrected_time(device_time, offset)

    def close(self) -> None:
        if self.ready:
            self.downloads.close()
            self.api.close()


class Connectivity:
    """Online or offline (§10), told by every finished background call (a `JobWatcher`)."""

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
