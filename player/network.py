"""The network side: the HTTP client and download workers, and server time (§27.8.2).

`Network` is built after the first frame (§28.1: httpx loads once cached content is on screen).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from player.api_client import PlayerApi
from player.cache_index import CacheIndex
from player.clock import Clock, corrected_time
from player.downloads import DownloadManager
from player.store import DataDir

if TYPE_CHECKING:
    import httpx


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
