"""What is on disk and playable: the loop thread's view of the cache index (§11, §28.4).

An asset counts for a manifest only with the checksum that manifest names. An asset that failed
to play is skipped until the next manifest apply or rotation restart (§28.4 PLAYING).
"""

from __future__ import annotations

from collections.abc import Mapping

from player.cache_index import CacheIndex, IndexedAsset
from player.playback_order import has_playable
from player.wire import Manifest


class AssetCache:
    """Cached assets by id, plus those that failed to play."""

    def __init__(self, index: CacheIndex) -> None:
        self._index = index
        self._assets: dict[str, IndexedAsset] = {}
        self._failed: set[str] = set()

    @property
    def assets(self) -> Mapping[str, IndexedAsset]:
        """Every cached asset by id, as of the last `reload`."""
        return self._assets

    def reload(self) -> None:
        self._assets = {asset.asset_id: asset for asset in self._index.all()}

    def drop_missing_files(self) -> None:
        """At boot: forget index rows whose file is gone, then reload."""
        self._index.drop_missing_files()
        self.reload()

    def touch(self, asset_id: str, when: float) -> None:
        """Note a play (wall seconds) for least-recently-used eviction (§11.2)."""
        self._index.touch(asset_id, when)

    def forget(self, asset_id: str) -> int:
        """Delete an asset's file and index row; returns the bytes freed."""
        freed = self._index.remove(asset_id)
        self._assets.pop(asset_id, None)
        return freed

    def cached_ids(self, manifest: Manifest | None) -> frozenset[str]:
        """Assets of `manifest` on disk with the checksum the manifest names."""
        if manifest is None:
            return frozenset()
        return frozenset(
            item.asset_id
            for item in manifest.items
            if (cached := self._assets.get(item.asset_id)) is not None
            and cached.checksum_sha256 == item.checksum_sha256
        )

    def playable_ids(self, manifest: Manifest | None) -> frozenset[str]:
        return self.cached_ids(manifest) - self._failed

    def is_playable(self, manifest: Manifest | None) -> bool:
        return manifest is not None and has_playable(manifest.items, self.playable_ids(manifest))

    def mark_failed(self, asset_id: str) -> None:
        self._failed.add(asset_id)

    def unmark_failed(self, asset_id: str) -> None:
        self._failed.discard(asset_id)

    def clear_failures(self) -> None:
        self._failed.clear()
