"""What the player says about itself: the heartbeat body (§27.8.2) and `state.json`.

Both are read off the collaborators at one instant; neither changes anything.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from player import host
from player.asset_cache import AssetCache
from player.asset_sync import AssetSync
from player.config import PlayerConfig
from player.connectivity import Connectivity
from player.machine import Machine
from player.manifests import ManifestSlots, etag_of
from player.network import Network
from player.pairing import Pairing
from player.rotation import Rotation
from player.state_machine import heartbeat_state
from player.store import DataDir, StateSnapshot
from player.telemetry import (
    CacheReport,
    ErrorCounters,
    NetworkReport,
    PlaybackReport,
    heartbeat_body,
)
from player.wire import format_utc


class Reports:
    """Builds heartbeats and the state file from the collaborators that own each fact."""

    def __init__(
        self,
        config: PlayerConfig,
        store: DataDir,
        machine: Machine,
        manifests: ManifestSlots,
        rotation: Rotation,
        cache: AssetCache,
        assets: AssetSync,
        pairing: Pairing,
        network: Network,
        link: Connectivity,
        counters: ErrorCounters,
        relaunch: str,
    ) -> None:
        self._config = config
        self._store = store
        self._machine = machine
        self._manifests = manifests
        self._rotation = rotation
        self._cache = cache
        self._assets = assets
        self._pairing = pairing
        self._network = network
        self._link = link
        self._counters = counters
        self._relaunch = relaunch  # who restarts the app (`host.relaunch_supervision`)
        self._last_snapshot: StateSnapshot | None = None

    def heartbeat(self) -> dict[str, Any]:
        """The heartbeat body describing this instant."""
        playing = self._rotation.on_screen_manifest()
        playlist = playing.playlist if playing else None
        now_playing = self._rotation.now_playing
        assets = list(self._cache.assets.values())
        return heartbeat_body(
            device_time=self._network.wire_now(),
            app_version=self._config.app_version,
            state=heartbeat_state(self._machine.state),
            manifest_etag=etag_of(playing or self._manifests.current),
            playback=PlaybackReport(
                playlist_id=playlist.playlist_id if playlist else None,
                published_version=playlist.published_version if playlist else None,
                current_asset_id=now_playing.item.asset_id if now_playing else None,
                current_item_index=now_playing.index if now_playing else None,
                loop_count=self._rotation.loop_count,
            ),
            cache=CacheReport(
                total_bytes=self._assets.budget_bytes,
                used_bytes=sum(a.size_bytes for a in assets),
                asset_count=len(assets),
                pending_downloads=self._assets.pending,
            ),
            network=NetworkReport(
                self._link.connected, self._network_type(), self._link.last_sync_utc
            ),
            errors=self._counters.copy(),
        )

    def _network_type(self) -> str:
        configured = self._config.network_type
        return configured or host.detect_network_type() or "ETHERNET"

    def host_report(self) -> dict[str, str]:
        """How the host integration went (`player.host`), so support sees why a screen slept."""
        return {"relaunch": self._relaunch, "keepAwake": self._rotation.keep_awake_outcome}

    def snapshot(self) -> StateSnapshot:
        """What `state.json` says right now."""
        playing = self._rotation.on_screen_manifest()
        now_playing = self._rotation.now_playing
        code = self._pairing.code
        last_sync = self._link.last_sync_utc
        return StateSnapshot(
            state=self._machine.state.value,
            pairing_code=code.pairing_code if code else None,
            device_id=self._pairing.device_id,
            playlist_id=playing.playlist.playlist_id if playing and playing.playlist else None,
            current_asset_id=now_playing.item.asset_id if now_playing else None,
            current_item_index=now_playing.index if now_playing else None,
            manifest_etag=etag_of(self._manifests.current),
            last_sync_utc=format_utc(last_sync) if last_sync else None,
            safe_mode=self._rotation.safe_mode,
            host=self.host_report(),
        )

    def persist_state(self) -> None:
        """Write `state.json` when what it says changed."""
        snapshot = self.snapshot()
        if snapshot != self._last_snapshot:
            self._store.write_state(snapshot)
            self._last_snapshot = replace(snapshot)
