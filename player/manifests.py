"""The three manifests a device keeps (§28.5): current, previous (the fallback) and staged.

Each change is written to its file before the next one (tmp + fsync + rename, `store.py`), in
the order that keeps a playable pair on disk if the process dies in between.
"""

from __future__ import annotations

import logging

from player.state_machine import ManifestSource
from player.store import DataDir, ManifestSlot
from player.wire import Manifest

LOG = logging.getLogger("player")
DEFAULT_CADENCE_SECONDS = 60.0


class ManifestSlots:
    """current / previous / staged, in memory and on disk."""

    def __init__(self, store: DataDir) -> None:
        self._store = store
        self.current: Manifest | None = None
        self.previous: Manifest | None = None
        self.staged: Manifest | None = None

    def load(self) -> tuple[tuple[str, str], ...]:
        """Read all three from disk; a corrupt file is moved aside and reported (name, error)."""
        corrupt: list[tuple[str, str]] = []
        loaded: dict[ManifestSlot, Manifest | None] = {}
        for slot in ManifestSlot:
            manifest, error = self._store.load_manifest(slot)
            if error is not None:
                LOG.error("%s is corrupt, moved aside", slot.value)
                corrupt.append((slot.value, error))
                self._store.quarantine(slot)
            loaded[slot] = manifest
        self.current = loaded[ManifestSlot.CURRENT]
        self.previous = loaded[ManifestSlot.PREVIOUS]
        self.staged = loaded[ManifestSlot.STAGED]
        if self.current is None and self.previous is not None:
            LOG.warning("no usable current manifest; the previous one is the fallback")
        return tuple(corrupt)

    def stage(self, manifest: Manifest) -> None:
        self.staged = manifest
        self._store.save_manifest(ManifestSlot.STAGED, manifest)

    def drop_staged(self) -> None:
        self.staged = None
        self._store.save_manifest(ManifestSlot.STAGED, None)

    def promote_staged(self) -> Manifest:
        """previous ← current, current ← staged, persisted in that order (§28.5).

        A kill between the writes leaves either the old pair or previous == current, both
        playable; the staged file goes last so an interrupted apply is simply redone.
        """
        staged = self.staged
        assert staged is not None
        if self.current is not None:
            self.previous = self.current
            self._store.save_manifest(ManifestSlot.PREVIOUS, self.previous)
        self.current = staged
        self._store.save_manifest(ManifestSlot.CURRENT, staged)
        self.drop_staged()
        return staged

    def of(self, source: ManifestSource) -> Manifest | None:
        if source is ManifestSource.CURRENT:
            return self.current
        if source is ManifestSource.PREVIOUS:
            return self.previous
        return None

    def latest(self, playing: ManifestSource) -> Manifest | None:
        """The manifest on screen, else the newest one kept (None on an unpaired screen)."""
        return self.of(playing) or self.current or self.previous

    def asset_ids(self) -> frozenset[str]:
        """Every asset any of the three names."""
        ids: set[str] = set()
        for manifest in (self.current, self.previous, self.staged):
            if manifest is not None:
                ids |= manifest.asset_ids()
        return frozenset(ids)

    def cadence(self) -> float:
        """The server's latest `nextCheckSeconds` (§27.8.1); heartbeats share it (§27.8.2)."""
        manifest = self.staged or self.current or self.previous
        return float(manifest.next_check_seconds) if manifest else DEFAULT_CADENCE_SECONDS

    def cache_budget(self, default_bytes: int) -> int:
        """The cache budget to keep to (§11.1): the server's per-device value in the newest
        manifest (a staged one's downloads must fit it), else `default_bytes`."""
        manifest = self.staged or self.current or self.previous
        sent = manifest.settings.cache_budget_bytes if manifest else None
        return sent if sent is not None else default_bytes


def etag_of(manifest: Manifest | None) -> str | None:
    return manifest.manifest_etag if manifest is not None else None
