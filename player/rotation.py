"""The rotation (§28.4 PLAYING, §33.8-33.10): which manifest plays and which item is on screen.

Images end on a timer, videos on libVLC's end event (or a watchdog well past their duration).
Each end is an item boundary, the safe point where the wiring first applies a staged manifest
or runs commands (§28.5). A failed item is skipped, never retried until new content arrives.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from player import host
from player.asset_cache import AssetCache
from player.clock import Clock
from player.machine import Machine
from player.manifests import ManifestSlots
from player.media_backend import BackendEventKind, MediaBackend
from player.outbox import Outbox
from player.playback_order import next_position
from player.recorder import ScreenKind, ScreenRecorder, record_frame
from player.state_machine import (
    ManifestSource,
    PlayableChecked,
    PlaybackImpossible,
    PlayerState,
    RestartRotation,
)
from player.telemetry import ErrorCounters
from player.wire import Manifest, ManifestItem

LOG = logging.getLogger("player")


@dataclass(frozen=True)
class NowPlaying:
    """The item on screen and when (monotonic) it started."""

    index: int
    item: ManifestItem
    generation: int
    started_at: float


def video_watchdog_seconds(item: ManifestItem) -> float:
    """A video that has not ended well past its duration is treated as stalled."""
    return max(item.duration_seconds, 1) * 2.0 + 10.0


class Rotation:
    """Plays the chosen manifest's items in order on the media backend."""

    def __init__(
        self,
        backend: MediaBackend,
        clock: Clock,
        recorder: ScreenRecorder | None,
        machine: Machine,
        manifests: ManifestSlots,
        cache: AssetCache,
        outbox: Outbox,
        counters: ErrorCounters,
        boundary_work: Callable[[], bool],
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._recorder = recorder
        self._machine = machine
        self._manifests = manifests
        self._cache = cache
        self._outbox = outbox
        self._counters = counters
        # Runs at each item boundary; True when playback must not go on to the next item.
        self._boundary_work = boundary_work
        self.playing_source = ManifestSource.NONE
        self.now_playing: NowPlaying | None = None
        self.loop_count = 0
        self.safe_mode = False  # §33.6: the previous manifest first after a crash loop
        self.first_frame_seen = False
        self._keep_awake: bool | None = None  # the keepAwake last applied to the host
        self.keep_awake_outcome = "-"

    # ---- choosing a manifest -------------------------------------------------------------

    def check_playable(self) -> None:
        """PLAYABLE_CHECK (§28.4): current first, previous as fallback (first in safe mode)."""
        order = [ManifestSource.CURRENT, ManifestSource.PREVIOUS]
        if self.safe_mode:
            order.reverse()
        manifests = self._manifests
        source = next((s for s in order if self._cache.is_playable(manifests.of(s))), None)
        self._machine.dispatch(
            PlayableChecked(
                source or ManifestSource.NONE,
                current_etag=manifests.current.manifest_etag if manifests.current else None,
                previous_etag=manifests.previous.manifest_etag if manifests.previous else None,
                reason="CRASH_LOOP" if self.safe_mode else None,
            )
        )

    def start(self, source: ManifestSource) -> None:
        """START_PLAYBACK: play `source` from its first eligible item."""
        manifest = self._manifests.of(source)
        if source is not self.playing_source:
            LOG.info("playing the %s manifest", source.value.lower())
        self.playing_source = source
        if manifest is not None:
            self._backend.set_orientation(manifest.settings.orientation)
            self._apply_keep_awake(manifest.settings.keep_awake)
        self.now_playing = None
        self._advance()

    def on_screen_manifest(self) -> Manifest | None:
        """The manifest whose item is on screen now (None on a slide or before playback)."""
        return self._manifests.of(self.playing_source) if self.now_playing else None

    def protected_ids(self) -> frozenset[str]:
        """§11.2: current and previous (and the staged candidate) are never evicted, nor is the
        asset on screen."""
        ids = set(self._manifests.asset_ids())
        if self.now_playing is not None:
            ids.add(self.now_playing.item.asset_id)
        return frozenset(ids)

    def _apply_keep_awake(self, keep_awake: bool) -> None:
        """§27.8.1 keepAwake, best effort, once per change; the outcome goes to state.json."""
        if keep_awake == self._keep_awake:
            return
        self._keep_awake = keep_awake
        self.keep_awake_outcome = host.apply_keep_awake(keep_awake, os.environ)
        LOG.info("keepAwake=%s: %s", keep_awake, self.keep_awake_outcome)

    # ---- restarts ------------------------------------------------------------------------

    def stop(self) -> None:
        """Nothing of ours is on screen any more (a slide replaced it)."""
        self.now_playing = None

    def restart_loop(self) -> None:
        """RESTART_PLAYBACK_LOOP: start the rotation over from the first item."""
        self.loop_count = 0
        self._cache.clear_failures()
        self.now_playing = None
        if self._machine.state in (PlayerState.PLAYING, PlayerState.ERROR_SCREEN):
            self._machine.dispatch(RestartRotation())

    def restart_with_new_content(self) -> None:
        """A manifest was applied: a fresh loop, failures forgiven, out of safe mode."""
        self.safe_mode = False  # new content is the way out of a crash loop
        self.loop_count = 0
        self._cache.clear_failures()
        self.now_playing = None
        self._machine.dispatch(RestartRotation())

    def leave_safe_mode(self) -> None:
        if self.safe_mode:
            LOG.info("stable for 5 min: leaving safe mode")
            self.safe_mode = False

    # ---- items ---------------------------------------------------------------------------

    def _advance(self) -> None:
        """Put the next eligible item on screen, or fall back through PLAYABLE_CHECK."""
        manifest = self._manifests.of(self.playing_source)
        current_index = self.now_playing.index if self.now_playing else None
        position = (
            next_position(manifest.items, current_index, self._cache.playable_ids(manifest))
            if manifest is not None
            else None
        )
        if manifest is None or position is None:
            self.now_playing = None
            self._machine.dispatch(PlaybackImpossible("no playable item"))
            return
        if position.wrapped:
            self.loop_count += 1
        self._play_item(position.index, manifest.items[position.index])

    def _play_item(self, index: int, item: ManifestItem) -> None:
        asset = self._cache.assets[item.asset_id]
        if not asset.path.is_file():
            # A cache problem, not a media problem: forget the file so it is downloaded again.
            self._cache.forget(item.asset_id)
            self._playback_failed(item, "FILE_MISSING", "cached file vanished")
            self._cache.unmark_failed(item.asset_id)
            self.now_playing = NowPlaying(index, item, -1, self._clock.monotonic())
            self._advance()
            return
        if item.type == "VIDEO":
            generation = self._backend.play_video(asset.path)
        else:
            generation = self._backend.show_image(asset.path)
        self.now_playing = NowPlaying(index, item, generation, self._clock.monotonic())
        record_frame(self._recorder, self._clock.monotonic(), ScreenKind.CONTENT, item.asset_id)
        self._cache.touch(item.asset_id, self._clock.now().timestamp())
        LOG.debug("showing %s (%s) at index %d", item.asset_id, item.type, index)

    def pump_backend(self) -> None:
        """Take libVLC's events for the item on screen (late ones for replaced media drop)."""
        for event in self._backend.poll_events():
            playing = self.now_playing
            if playing is None or event.generation != playing.generation:
                continue  # a late event for media already replaced
            if event.kind is BackendEventKind.PLAYING and not self.first_frame_seen:
                self.first_frame_seen = True
                LOG.info("first frame on screen: %s", playing.item.asset_id)
            if event.kind is BackendEventKind.ERROR:
                self._playback_failed(playing.item, "DECODE_ERROR", "libVLC reported an error")
                self._item_boundary()
            elif event.kind is BackendEventKind.ENDED and playing.item.type == "VIDEO":
                self._item_boundary()

    def check_item_timers(self) -> None:
        """End an image whose time is up, or a video that stalled."""
        playing = self.now_playing
        if playing is None or self._machine.state is not PlayerState.PLAYING:
            return
        elapsed = self._clock.monotonic() - playing.started_at
        if playing.item.type == "IMAGE" and elapsed >= max(playing.item.duration_seconds, 1):
            self._item_boundary()
        elif playing.item.type == "VIDEO" and elapsed >= video_watchdog_seconds(playing.item):
            self._playback_failed(playing.item, "STALLED", "video did not end")
            self._item_boundary()

    def _playback_failed(self, item: ManifestItem, reason: str, message: str) -> None:
        # §28.4 PLAYING: errors skip the item; it is not retried until the next manifest apply.
        LOG.warning("playback of %s failed: %s", item.asset_id, reason)
        self._cache.mark_failed(item.asset_id)
        self._counters.playback_failures += 1
        payload = {"assetId": item.asset_id, "reason": reason, "message": message}
        self._outbox.emit("PLAYBACK_FAILED", "ERROR", payload)

    def _item_boundary(self) -> None:
        """The safe point (§28.5, §33.8): the boundary work, then the next item."""
        if self._boundary_work():
            return
        if self._should_return_to_current():
            self._machine.dispatch(RestartRotation())
            return
        self._advance()

    def _should_return_to_current(self) -> bool:
        return (
            self.playing_source is ManifestSource.PREVIOUS
            and not self.safe_mode
            and self._cache.is_playable(self._manifests.current)
        )
