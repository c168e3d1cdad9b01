"""Media onto disk (§28.9) within the cache budget (§11.2), and the cache commands (§28.7).

Every half second the download plan (`download_plan.py`) is topped up: the staged manifest's
assets first, least-recently-used unprotected assets evicted to make room; when nothing more
can go, downloads pause. Finished downloads refresh the cache view; a screen showing "nothing
to play" goes back to content as soon as something is.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from player.asset_cache import AssetCache
from player.cache_index import CacheIndex
from player.cache_policy import plan_eviction
from player.clock import Clock
from player.download_plan import plan_downloads
from player.downloads import DownloadFailure
from player.machine import Machine
from player.manifests import ManifestSlots
from player.network import Network
from player.outbox import Outbox
from player.rotation import Rotation
from player.state_machine import ContentChanged, PlayerState
from player.store import DataDir
from player.telemetry import ErrorCounters
from player.wire import ManifestItem

LOG = logging.getLogger("player")
DOWNLOAD_SCAN_SECONDS = 0.5
ORPHAN_GRACE_SECONDS = 60.0


class AssetSync:
    """Schedules downloads, evicts to fit the budget, reports failures, clears the cache."""

    def __init__(
        self,
        store: DataDir,
        index: CacheIndex,
        cache: AssetCache,
        manifests: ManifestSlots,
        rotation: Rotation,
        machine: Machine,
        network: Network,
        outbox: Outbox,
        counters: ErrorCounters,
        clock: Clock,
        default_budget_bytes: int,
    ) -> None:
        self._store = store
        self._index = index
        self._cache = cache
        self._manifests = manifests
        self._rotation = rotation
        self._machine = machine
        self._network = network
        self._outbox = outbox
        self._counters = counters
        self._clock = clock
        self._default_budget_bytes = default_budget_bytes  # until a manifest sends one
        self._next_scan = 0.0  # monotonic
        self.paused = False  # the cache budget stops further downloads
        self.pending = 0  # downloads planned or running, for the heartbeat

    @property
    def budget_bytes(self) -> int:
        """The device's cache budget from its manifest settings, else the configured one."""
        return self._manifests.cache_budget(self._default_budget_bytes)

    def schedule(self) -> None:
        """Top up the downloads every DOWNLOAD_SCAN_SECONDS while paired and booted."""
        if self._machine.state in (PlayerState.UNREGISTERED, PlayerState.BOOT):
            return
        now = self._clock.monotonic()
        if now < self._next_scan:
            return
        self._next_scan = now + DOWNLOAD_SCAN_SECONDS
        downloads = self._network.downloads
        have = frozenset(self._cached_ids_any()) | downloads.busy()
        now_playing = self._rotation.now_playing
        current_index = now_playing.index if now_playing else None
        manifests = self._manifests
        plan = plan_downloads(
            manifests.staged, manifests.current, manifests.previous, current_index, have
        )
        self.pending = len(plan) + len(downloads.busy())
        paused = False
        for item in plan:
            if not self._make_room(item):
                paused = True
                break
            downloads.submit(item)
        if paused != self.paused:
            LOG.warning("downloads %s: cache budget", "paused" if paused else "resumed")
        self.paused = paused

    def _cached_ids_any(self) -> set[str]:
        manifests = self._manifests
        wanted = (manifests.staged, manifests.current, manifests.previous)
        return set().union(*(self._cache.cached_ids(m) for m in wanted))

    def _make_room(self, item: ManifestItem) -> bool:
        """§11.2: evict LRU unprotected assets; False when the item still cannot fit."""
        plan = plan_eviction(
            self._index.for_eviction(),
            self._rotation.protected_ids(),
            self.budget_bytes,
            incoming_bytes=item.file_size_bytes,
        )
        for asset_id in plan.evict:
            freed = self._cache.forget(asset_id)
            payload = {"assetId": asset_id, "freedBytes": freed, "reason": "LRU"}
            self._outbox.emit("CACHE_EVICTION", "INFO", payload)
        return plan.fits

    def collect(self) -> None:
        """Take finished downloads: refresh the cache view, report failures."""
        completed, failures = self._network.downloads.take_results()
        if completed:
            self._cache.reload()
            LOG.debug("downloaded %s", ", ".join(completed))
            manifests = self._manifests
            restored = self._cache.is_playable(manifests.current) or self._cache.is_playable(
                manifests.previous
            )
            if self._machine.state is PlayerState.ERROR_SCREEN and restored:
                self._machine.dispatch(ContentChanged())
        for failure in failures:
            self._report_failure(failure)

    def _report_failure(self, failure: DownloadFailure) -> None:
        self._counters.download_failures += 1
        url = urlsplit(failure.item.url)
        payload = {
            "assetId": failure.item.asset_id,
            # Signed CDN URLs carry credentials in the query string: report the path only.
            "url": f"{url.scheme}://{url.netloc}{url.path}",
            "httpStatus": failure.http_status,
            "retryCount": failure.retry_count,
        }
        LOG.warning("download of %s failed: %s", failure.item.asset_id, failure.reason)
        self._outbox.emit("DOWNLOAD_FAILED", "WARNING", payload)

    def clear_cache(self, unused_only: bool) -> int:
        """CLEAR_CACHE_UNUSED / CLEAR_CACHE_ALL; the asset on screen stays so it never blanks."""
        keep: set[str] = set(self._rotation.protected_ids()) if unused_only else set()
        if self._rotation.now_playing is not None:
            keep.add(self._rotation.now_playing.item.asset_id)
        freed = sum(
            self._cache.forget(a.asset_id) for a in self._index.all() if a.asset_id not in keep
        )
        return freed + self._remove_orphan_files()

    def _remove_orphan_files(self) -> int:
        # Skip fresh files: a download renames into assets/ just before it is indexed.
        known = {a.path for a in self._index.all()}
        cutoff = time.time() - ORPHAN_GRACE_SECONDS
        freed = 0
        for path in self._store.assets_dir.iterdir():
            info = path.stat()
            if path not in known and info.st_mtime < cutoff:
                path.unlink()
                freed += info.st_size
        return freed
