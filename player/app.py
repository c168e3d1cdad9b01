"""The app controller (§33.3.1): wires the pure core to storage, network, downloads and screen.

One thread runs `tick()` in a loop: it drains libVLC events, moves the rotation on, applies a
staged manifest at item boundaries and starts background jobs. Network calls and downloads run
on worker threads and are only ever collected here, so playback never waits on I/O (§33.5).
Time comes from an injectable `Clock`, which makes offline, expiry and clock-jump tests exact.
"""

from __future__ import annotations

import logging
import os
import platform
import threading
import time
import zlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from player import commands, host
from player.api_client import ApiError, ManifestFetch, PlayerApi, TokenRejectedError
from player.background_jobs import BackgroundJobs
from player.cache_index import CacheIndex, IndexedAsset
from player.cache_policy import DEFAULT_BUDGET_BYTES, plan_eviction
from player.clock import Clock, corrected_time
from player.crash_guard import CRASH_WINDOW_SECONDS, record_boot
from player.download_plan import plan_downloads
from player.downloads import (
    DEFAULT_CONCURRENCY,
    DownloadFailure,
    DownloadManager,
    remove_partial_files,
)
from player.event_queue import MAX_BATCH, EventQueue
from player.media_backend import BackendEventKind, MediaBackend
from player.playback_order import has_playable, next_position
from player.recorder import Frame, ScreenKind, ScreenRecorder
from player.slide_layout import slide_size
from player.staging import ApplyDecision, StagingInputs, decide_apply
from player.state_machine import (
    CheckPlayable,
    ClearToken,
    ContentChanged,
    Effect,
    Emit,
    Event,
    InitComplete,
    LoadLocal,
    LocalLoaded,
    ManifestSource,
    Paired,
    PlayableChecked,
    PlaybackImpossible,
    PlayerState,
    RestartRotation,
    ShowErrorScreen,
    ShowPairingScreen,
    StartPlayback,
    TokenInvalid,
    heartbeat_state,
    transition,
)
from player.store import DataDir, ManifestSlot, StateSnapshot
from player.sync_policy import SyncInputs, backoff_seconds, next_poll_delay
from player.telemetry import (
    CacheReport,
    ErrorCounters,
    NetworkReport,
    PlaybackReport,
    heartbeat_body,
)
from player.wire import (
    Command,
    Manifest,
    ManifestItem,
    PairingStart,
    PairingStatus,
    Severity,
    format_utc,
)

if TYPE_CHECKING:
    import httpx

APP_VERSION = "0.1.0"
LOG = logging.getLogger("player")
DOWNLOAD_SCAN_SECONDS = 0.5
DEFAULT_CADENCE_SECONDS = 60.0
ORPHAN_GRACE_SECONDS = 60.0
DEFAULT_SCREEN_SIZE = (1920, 1080)  # a 1080p TV: the slides' size when nothing tells better
FIRST_FRAME_WAIT = 2.0  # seconds the network start-up waits for libVLC's first frame


@dataclass(frozen=True)
class PlayerConfig:
    """Settings of one player process; the defaults are the device defaults of the spec."""

    data_dir: Path
    api_url: str
    model: str = "linux-vlc"
    app_version: str = APP_VERSION
    cache_budget_bytes: int = DEFAULT_BUDGET_BYTES  # §11.1
    max_downloads: int = DEFAULT_CONCURRENCY
    events_flush_seconds: float = 10.0
    tick_seconds: float = 0.05
    network_type: str | None = None  # None: read from the host's interfaces (player.host)
    # The output's pixels, for the player's own slides (issue 22); `python -m player` asks
    # the display (player.host.detect_output_size) unless headless or told.
    screen_size: tuple[int, int] = DEFAULT_SCREEN_SIZE
    orientation: str = "LANDSCAPE"  # until a manifest's settings say otherwise (§27.8.1)


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


class Player:
    """The controller: owns the state machine and every moving part around it."""

    def __init__(
        self,
        config: PlayerConfig,
        backend: MediaBackend,
        clock: Clock,
        recorder: ScreenRecorder | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self.backend = backend
        self.clock = clock
        self.recorder = recorder
        self.store = DataDir(config.data_dir)
        self.index = CacheIndex(self.store.cache_db)
        self.events = EventQueue(self.store.events_db)
        self._token = self.store.read_token()
        # The network side is built after the first frame (see `start`).
        self._transport = transport
        self.api: PlayerApi
        self.downloads: DownloadManager
        self._network_ready = False
        self._jobs = BackgroundJobs(workers=2)
        self.state = PlayerState.BOOT
        self.current: Manifest | None = None
        self.previous: Manifest | None = None
        self.staged: Manifest | None = None
        self.playing_source = ManifestSource.NONE
        self.now_playing: NowPlaying | None = None
        self.loop_count = 0
        self.safe_mode = False
        self.restart_requested = False
        self.downloads_paused = False
        self.connected = True
        self.counters = ErrorCounters()
        self._cache: dict[str, IndexedAsset] = {}
        self._failed_assets: set[str] = set()
        self._apply_pending = False
        self._pending_commands: list[Command] = []
        self._processed_commands: set[str] = set()
        self._results_outbox: list[tuple[str, commands.CommandOutcome]] = []
        self._pairing: PairingStart | None = None
        self._device_id: str | None = None
        self._manifest_failures = 0
        self._event_failures = 0
        self._pairing_failures = 0
        self._pending_downloads = 0
        self._last_sync_utc: datetime | None = None
        self._offline_since = clock.now()
        self._due: dict[str, float] = {}
        self._started_at = clock.monotonic()
        self._boots_cleared = False
        self._diagnostics_until: float | None = None
        self._level_before_diagnostics = logging.INFO
        self._last_snapshot: StateSnapshot | None = None
        self._closed = False
        self._first_frame_seen = False
        self._events_since_flush = 0
        self._keep_awake: bool | None = None  # the keepAwake last applied to the host
        self.host_report = {"relaunch": host.relaunch_supervision(os.environ), "keepAwake": "-"}
        self._jitter_value = (zlib.crc32(self.store.hardware_id().encode()) % 1000) / 1000.0

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """BOOT (§28.4): crash-loop check, then hand over to the state machine."""
        verdict = record_boot(self.store.read_boots(), self.clock.now().timestamp())
        self.store.write_boots(verdict.boots)
        if verdict.safe_mode:
            LOG.warning("crash loop detected: %d starts in 5 min, safe mode", len(verdict.boots))
        self.safe_mode = verdict.safe_mode
        previous_state = self.store.read_state()
        self._device_id = previous_state.device_id if previous_state else None
        app_info = {
            "appVersion": self.config.app_version,
            "deviceModel": self.config.model,
            "osVersion": platform.platform(terse=True),
            "relaunchSupervisor": self.host_report["relaunch"],
        }
        self._dispatch(InitComplete(has_token=self._token is not None, app_info=app_info))

    def _network_may_start(self) -> bool:
        # §28.1 first frame ASAP: httpx and the workers load once cached content is on screen
        # (or once there is none to wait for), never in front of it.
        waited = self.clock.monotonic() - self._started_at
        return self._first_frame_seen or self.now_playing is None or waited > FIRST_FRAME_WAIT

    def _build_network(self) -> None:
        """HTTP client and download workers, built once the cache is already on screen."""
        self.api = PlayerApi(
            self.config.api_url, lambda: self._token, self.clock.now, self._transport
        )
        self.downloads = DownloadManager(
            self.store.assets_dir,
            self.store.downloads_dir,
            self.index,
            monotonic=self.clock.monotonic,
            wall_time=lambda: self.clock.now().timestamp(),
            max_concurrent=self.config.max_downloads,
            transport=self._transport,
        )
        self._network_ready = True

    def tick(self) -> None:
        """One turn of the loop; never blocks on the network or the disk beyond a few writes."""
        self._pump_backend()
        self._check_item_timers()
        if not self._network_ready and self._network_may_start():
            self._build_network()
        if self._network_ready:
            self._sync_turn()
        self._housekeeping()
        self._persist_state()

    def _sync_turn(self) -> None:
        """Collect background results, apply what is ready, start what is due."""
        self._collect_jobs()
        self._collect_downloads()
        self._evaluate_staged()
        if self.state is not PlayerState.PLAYING or self.now_playing is None:
            self._run_pending_commands()  # nothing on screen to protect: no boundary to wait for
        self._schedule_downloads()
        self._schedule_network()

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set or a REBOOT_APP command asks for a restart."""
        self.start()
        try:
            while not stop.is_set() and not self.restart_requested:
                self.tick()
                self.backend.wait_for_event(self.config.tick_seconds)
            if self.restart_requested:
                self._flush_outbox_before_exit(stop)
        finally:
            self.close(clean=True)

    def close(self, clean: bool) -> None:
        """Stop workers; a clean exit clears the crash-loop record (§33.6). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._jobs.close()
        if self._network_ready:
            self.downloads.close()
            self.api.close()
        self.backend.close()
        if clean:
            self.store.write_boots([])
        self.index.close()
        self.events.close()

    def _flush_outbox_before_exit(self, stop: threading.Event) -> None:
        # REBOOT_APP's result must reach the server before the process goes away.
        deadline = self.clock.monotonic() + 5.0
        while self._results_outbox and self.clock.monotonic() < deadline and not stop.is_set():
            self._collect_jobs()
            self._schedule_command_results()
            self.backend.wait_for_event(self.config.tick_seconds)

    # ---- state machine -------------------------------------------------------------------

    def _dispatch(self, event: Event) -> None:
        before = self.state
        self.state, effects = transition(self.state, event)
        if self.state is not before:
            LOG.info("state %s -> %s", before, self.state)
        for effect in effects:
            self._perform(effect)

    def _perform(self, effect: Effect) -> None:
        match effect:
            case Emit(event_type=event_type, severity=severity, payload=payload):
                self._emit(event_type, severity, payload)
            case LoadLocal():
                self._load_local()
            case CheckPlayable():
                self._check_playable()
            case StartPlayback(source=source):
                self._start_playback(source)
            case ShowErrorScreen(reason=reason):
                self._show_screen(ScreenKind.ERROR, reason)
            case ShowPairingScreen():
                self._show_screen(ScreenKind.PAIRING, None)
            case ClearToken():
                self._forget_token()

    def _emit(self, event_type: str, severity: Severity, payload: dict[str, Any]) -> None:
        # Device time on disk (the 7-day limit is local); corrected when sent (§27.8.3).
        self.events.put(event_type, severity, payload, self.clock.now())
        self._events_since_flush += 1
        if self._events_since_flush >= MAX_BATCH:
            self._due_in("events", 0.0)  # §27.8.3: flush when a batch is full, not only on time

    def _load_local(self) -> None:
        """LOAD_LOCAL (§28.4): manifests and cache index from disk; corrupt files reported."""
        corrupt: list[tuple[str, str]] = []
        loaded: dict[ManifestSlot, Manifest | None] = {}
        for slot in ManifestSlot:
            manifest, error = self.store.load_manifest(slot)
            if error is not None:
                LOG.error("%s is corrupt, moved aside", slot.value)
                corrupt.append((slot.value, error))
                self.store.quarantine(slot)
            loaded[slot] = manifest
        self.current = loaded[ManifestSlot.CURRENT]
        self.previous = loaded[ManifestSlot.PREVIOUS]
        self.staged = loaded[ManifestSlot.STAGED]
        if self.current is None and self.previous is not None:
            LOG.warning("no usable current manifest; the previous one is the fallback")
        self.index.drop_missing_files()
        self._refresh_cache_view()
        self._dispatch(LocalLoaded(tuple(corrupt)))

    def _check_playable(self) -> None:
        """PLAYABLE_CHECK (§28.4): current first, previous as fallback (first in safe mode)."""
        order = [ManifestSource.CURRENT, ManifestSource.PREVIOUS]
        if self.safe_mode:
            order.reverse()
        source = next((s for s in order if self._is_playable(self._manifest_of(s))), None)
        self._dispatch(
            PlayableChecked(
                source or ManifestSource.NONE,
                current_etag=self.current.manifest_etag if self.current else None,
                previous_etag=self.previous.manifest_etag if self.previous else None,
                reason="CRASH_LOOP" if self.safe_mode else None,
            )
        )

    def _wire_now(self) -> datetime:
        """Time as the server sees it (§27.8.2); device time while the skew is small."""
        return self._to_wire(self.clock.now())

    def _to_wire(self, device_time: datetime) -> datetime:
        offset = self.api.server_offset if self._network_ready else None
        return corrected_time(device_time, offset)

    def _on_screen_manifest(self) -> Manifest | None:
        """The manifest whose item is on screen now (None on a slide or before playback)."""
        return self._manifest_of(self.playing_source) if self.now_playing else None

    def _manifest_of(self, source: ManifestSource) -> Manifest | None:
        if source is ManifestSource.CURRENT:
            return self.current
        if source is ManifestSource.PREVIOUS:
            return self.previous
        return None

    # ---- cache view ----------------------------------------------------------------------

    def _refresh_cache_view(self) -> None:
        self._cache = {asset.asset_id: asset for asset in self.index.all()}

    def _cached_ids(self, manifest: Manifest | None) -> frozenset[str]:
        """Assets of `manifest` on disk with the checksum the manifest names."""
        if manifest is None:
            return frozenset()
        return frozenset(
            item.asset_id
            for item in manifest.items
            if (cached := self._cache.get(item.asset_id)) is not None
            and cached.checksum_sha256 == item.checksum_sha256
        )

    def _playable_ids(self, manifest: Manifest | None) -> frozenset[str]:
        return self._cached_ids(manifest) - self._failed_assets

    def _is_playable(self, manifest: Manifest | None) -> bool:
        return manifest is not None and has_playable(manifest.items, self._playable_ids(manifest))

    def _protected_ids(self) -> frozenset[str]:
        """§11.2: current and previous (and the staged candidate) are never evicted."""
        ids: set[str] = set()
        for manifest in (self.current, self.previous, self.staged):
            if manifest is not None:
                ids |= manifest.asset_ids()
        if self.now_playing is not None:
            ids.add(self.now_playing.item.asset_id)
        return frozenset(ids)

    # ---- playback ------------------------------------------------------------------------

    def _start_playback(self, source: ManifestSource) -> None:
        manifest = self._manifest_of(source)
        if source is not self.playing_source:
            LOG.info("playing the %s manifest", source.value.lower())
        self.playing_source = source
        if manifest is not None:
            self.backend.set_orientation(manifest.settings.orientation)
            self._apply_keep_awake(manifest.settings.keep_awake)
        self.now_playing = None
        self._advance()

    def _apply_keep_awake(self, keep_awake: bool) -> None:
        """§27.8.1 keepAwake, best effort, once per change; the outcome goes to state.json."""
        if keep_awake == self._keep_awake:
            return
        self._keep_awake = keep_awake
        self.host_report["keepAwake"] = host.apply_keep_awake(keep_awake, os.environ)
        LOG.info("keepAwake=%s: %s", keep_awake, self.host_report["keepAwake"])

    def _advance(self) -> None:
        """Put the next eligible item on screen, or fall back through PLAYABLE_CHECK."""
        manifest = self._manifest_of(self.playing_source)
        current_index = self.now_playing.index if self.now_playing else None
        position = (
            next_position(manifest.items, current_index, self._playable_ids(manifest))
            if manifest is not None
            else None
        )
        if manifest is None or position is None:
            self.now_playing = None
            self._dispatch(PlaybackImpossible("no playable item"))
            return
        if position.wrapped:
            self.loop_count += 1
        self._play_item(position.index, manifest.items[position.index])

    def _play_item(self, index: int, item: ManifestItem) -> None:
        asset = self._cache[item.asset_id]
        if not asset.path.is_file():
            # A cache problem, not a media problem: forget the file so it is downloaded again.
            self._forget_asset(item.asset_id)
            self._playback_failed(item, "FILE_MISSING", "cached file vanished")
            self._failed_assets.discard(item.asset_id)
            self.now_playing = NowPlaying(index, item, -1, self.clock.monotonic())
            self._advance()
            return
        if item.type == "VIDEO":
            generation = self.backend.play_video(asset.path)
        else:
            generation = self.backend.show_image(asset.path)
        self.now_playing = NowPlaying(index, item, generation, self.clock.monotonic())
        self._record(ScreenKind.CONTENT, item.asset_id)
        self.index.touch(item.asset_id, self.clock.now().timestamp())
        LOG.debug("showing %s (%s) at index %d", item.asset_id, item.type, index)

    def _pump_backend(self) -> None:
        for event in self.backend.poll_events():
            playing = self.now_playing
            if playing is None or event.generation != playing.generation:
                continue  # a late event for media already replaced
            if event.kind is BackendEventKind.PLAYING and not self._first_frame_seen:
                self._first_frame_seen = True
                LOG.info("first frame on screen: %s", playing.item.asset_id)
            if event.kind is BackendEventKind.ERROR:
                self._playback_failed(playing.item, "DECODE_ERROR", "libVLC reported an error")
                self._item_boundary()
            elif event.kind is BackendEventKind.ENDED and playing.item.type == "VIDEO":
                self._item_boundary()

    def _check_item_timers(self) -> None:
        playing = self.now_playing
        if playing is None or self.state is not PlayerState.PLAYING:
            return
        elapsed = self.clock.monotonic() - playing.started_at
        if playing.item.type == "IMAGE" and elapsed >= max(playing.item.duration_seconds, 1):
            self._item_boundary()
        elif playing.item.type == "VIDEO" and elapsed >= video_watchdog_seconds(playing.item):
            self._playback_failed(playing.item, "STALLED", "video did not end")
            self._item_boundary()

    def _playback_failed(self, item: ManifestItem, reason: str, message: str) -> None:
        # §28.4 PLAYING: errors skip the item; it is not retried until the next manifest apply.
        LOG.warning("playback of %s failed: %s", item.asset_id, reason)
        self._failed_assets.add(item.asset_id)
        self.counters.playback_failures += 1
        payload = {"assetId": item.asset_id, "reason": reason, "message": message}
        self._emit("PLAYBACK_FAILED", "ERROR", payload)

    def _item_boundary(self) -> None:
        """The safe point (§28.5, §33.8): apply, run commands, then show the next item."""
        if self._apply_pending and self.staged is not None:
            self._apply_staged()
            return
        finished = self.now_playing
        self._run_pending_commands()
        if self.now_playing is not finished:
            return  # a command already put the next item (or a screen) up
        if self.state is not PlayerState.PLAYING or self.restart_requested:
            return
        if self._should_return_to_current():
            self._dispatch(RestartRotation())
            return
        self._advance()

    def _should_return_to_current(self) -> bool:
        return (
            self.playing_source is ManifestSource.PREVIOUS
            and not self.safe_mode
            and self._is_playable(self.current)
        )

    # ---- screens -------------------------------------------------------------------------

    def _show_screen(self, kind: ScreenKind, reason: str | None) -> None:
        # Pillow and qrcode load only when a slide is needed: content frames never wait for them.
        from player.error_screen import render_error_screen
        from player.pairing_screen import render_pairing_screen

        self.now_playing = None
        screens = self.store.root / "screens"
        orientation = self._display_orientation()
        size = slide_size(self.config.screen_size, orientation)
        if kind is ScreenKind.PAIRING:
            path = screens / "pairing.png"
            pairing = self._pairing
            shown = (pairing.pairing_code, pairing.qr_payload) if pairing else None
            render_pairing_screen(path, size, shown, self.config.api_url)
        else:
            path = screens / "error.png"
            render_error_screen(path, size, reason or "", identity=self._screen_label())
        self.backend.set_orientation(orientation)  # a portrait slide is turned like content
        self.backend.show_image(path)
        self._record(kind, None)

    def _screen_label(self) -> str | None:
        """Which screen this is (name · venue), so staff can tell screens apart on a slide."""
        manifest = self._latest_manifest()
        return manifest.screen_label if manifest else None

    def _display_orientation(self) -> str:
        """The device's orientation setting from the manifest on screen or last received;
        the configured one before any manifest arrived (an unpaired screen)."""
        manifest = self._latest_manifest()
        return manifest.settings.orientation if manifest else self.config.orientation

    def _latest_manifest(self) -> Manifest | None:
        return self._manifest_of(self.playing_source) or self.current or self.previous

    def _record(self, kind: ScreenKind, asset_id: str | None) -> None:
        if self.recorder is not None:
            self.recorder.record(Frame(self.clock.monotonic(), kind, asset_id))

    # ---- staging (§28.5) -----------------------------------------------------------------

    def _evaluate_staged(self) -> None:
        if self.staged is None or self.state in (PlayerState.UNREGISTERED, PlayerState.BOOT):
            return
        decision = decide_apply(
            StagingInputs(
                staged=self.staged,
                current=self.current,
                cached=self._playable_ids(self.staged),
                failed_permanently=self.downloads.failed_permanently(),
                now=self._wire_now(),
                current_playable=self._is_playable(self.current),
                on_screen=self.now_playing is not None,
            )
        )
        self._apply_pending = decision is ApplyDecision.APPLY_AT_BOUNDARY
        if decision is ApplyDecision.APPLY_NOW:
            self._apply_staged()
        elif decision is ApplyDecision.REJECT:
            self._reject_staged("ASSETS_UNAVAILABLE")

    def _stage(self, manifest: Manifest) -> None:
        self.staged = manifest
        self.store.save_manifest(ManifestSlot.STAGED, manifest)
        self._emit("MANIFEST_STAGED", "INFO", {"manifestEtag": manifest.manifest_etag})
        LOG.info("staged manifest %s", manifest.manifest_etag)

    def _reject_staged(self, reason: str) -> None:
        assert self.staged is not None
        etag = self.staged.manifest_etag
        LOG.warning("rejected staged manifest %s: %s", etag, reason)
        self._emit("MANIFEST_REJECTED", "WARNING", {"manifestEtag": etag, "reason": reason})
        self.staged = None
        self.store.save_manifest(ManifestSlot.STAGED, None)

    def _apply_staged(self) -> None:
        """previous ← current, current ← staged, persisted in that order (§28.5).

        A kill between the writes leaves either the old pair or previous == current, both
        playable; the staged file goes last so an interrupted apply is simply redone.
        """
        staged = self.staged
        assert staged is not None
        previous_etag = self.current.manifest_etag if self.current else None
        if self.current is not None:
            self.previous = self.current
            self.store.save_manifest(ManifestSlot.PREVIOUS, self.previous)
        self.current = staged
        self.store.save_manifest(ManifestSlot.CURRENT, staged)
        self.staged = None
        self.store.save_manifest(ManifestSlot.STAGED, None)
        self._apply_pending = False
        self.safe_mode = False  # new content is the way out of a crash loop
        self.loop_count = 0
        self._failed_assets.clear()
        payload = {"manifestEtag": staged.manifest_etag, "previousEtag": previous_etag}
        self._emit("MANIFEST_APPLIED", "INFO", payload)
        LOG.info("applied manifest %s (was %s)", staged.manifest_etag, previous_etag)
        keep = self._protected_ids() | self.downloads.busy()
        remove_partial_files(self.store.downloads_dir, keep)
        self.now_playing = None
        self._dispatch(RestartRotation())

    # ---- downloads (§28.9) ---------------------------------------------------------------

    def _schedule_downloads(self) -> None:
        if self.state in (PlayerState.UNREGISTERED, PlayerState.BOOT):
            return
        if not self._due_now("downloads", DOWNLOAD_SCAN_SECONDS):
            return
        have = frozenset(self._cached_ids_any()) | self.downloads.busy()
        current_index = self.now_playing.index if self.now_playing else None
        plan = plan_downloads(self.staged, self.current, self.previous, current_index, have)
        self._pending_downloads = len(plan) + len(self.downloads.busy())
        paused = False
        for item in plan:
            if not self._make_room(item):
                paused = True
                break
            self.downloads.submit(item)
        if paused != self.downloads_paused:
            LOG.warning("downloads %s: cache budget", "paused" if paused else "resumed")
        self.downloads_paused = paused

    def _cached_ids_any(self) -> set[str]:
        wanted = (self.staged, self.current, self.previous)
        return set().union(*(self._cached_ids(m) for m in wanted))

    def _make_room(self, item: ManifestItem) -> bool:
        """§11.2: evict LRU unprotected assets; False when the item still cannot fit."""
        plan = plan_eviction(
            self.index.for_eviction(),
            self._protected_ids(),
            self.config.cache_budget_bytes,
            incoming_bytes=item.file_size_bytes,
        )
        for asset_id in plan.evict:
            freed = self._forget_asset(asset_id)
            payload = {"assetId": asset_id, "freedBytes": freed, "reason": "LRU"}
            self._emit("CACHE_EVICTION", "INFO", payload)
        return plan.fits

    def _forget_asset(self, asset_id: str) -> int:
        freed = self.index.remove(asset_id)
        self._cache.pop(asset_id, None)
        return freed

    def _collect_downloads(self) -> None:
        completed, failures = self.downloads.take_results()
        if completed:
            self._refresh_cache_view()
            LOG.debug("downloaded %s", ", ".join(completed))
            restored = self._is_playable(self.current) or self._is_playable(self.previous)
            if self.state is PlayerState.ERROR_SCREEN and restored:
                self._dispatch(ContentChanged())
        for failure in failures:
            self._report_download_failure(failure)

    def _report_download_failure(self, failure: DownloadFailure) -> None:
        self.counters.download_failures += 1
        url = urlsplit(failure.item.url)
        payload = {
            "assetId": failure.item.asset_id,
            # Signed CDN URLs carry credentials in the query string: report the path only.
            "url": f"{url.scheme}://{url.netloc}{url.path}",
            "httpStatus": failure.http_status,
            "retryCount": failure.retry_count,
        }
        LOG.warning("download of %s failed: %s", failure.item.asset_id, failure.reason)
        self._emit("DOWNLOAD_FAILED", "WARNING", payload)

    # ---- network jobs --------------------------------------------------------------------

    def _due_now(self, kind: str, every: float) -> bool:
        """True (and re-armed `every` seconds out) when `kind` is due."""
        now = self.clock.monotonic()
        if now < self._due.get(kind, 0.0):
            return False
        self._due[kind] = now + every
        return True

    def _due_in(self, kind: str, seconds: float) -> None:
        self._due[kind] = self.clock.monotonic() + seconds

    def _is_due(self, kind: str) -> bool:
        return self.clock.monotonic() >= self._due.get(kind, 0.0)

    def _cadence(self) -> float:
        """The server's latest `nextCheckSeconds` (§27.8.1); heartbeats share it (§27.8.2)."""
        manifest = self.staged or self.current or self.previous
        return float(manifest.next_check_seconds) if manifest else DEFAULT_CADENCE_SECONDS

    def _schedule_network(self) -> None:
        if self.state is PlayerState.UNREGISTERED:
            self._schedule_pairing()
            return
        if self._token is None or self.state is PlayerState.BOOT:
            return
        if self._jobs.idle("manifest") and self._is_due("manifest"):
            etag = _etag_of(self.staged or self.current)
            self._jobs.start("manifest", None, self.api.fetch_manifest, etag)
        if self._jobs.idle("heartbeat") and self._is_due("heartbeat"):
            sent = self.counters.copy()
            self._jobs.start("heartbeat", sent, self.api.send_heartbeat, self.heartbeat())
        if self._jobs.idle("events") and self._is_due("events"):
            batch = self.events.next_batch(self.clock.now())
            if batch:
                wire = [replace(e, event_time_utc=self._to_wire(e.event_time_utc)) for e in batch]
                self._jobs.start("events", batch, self.api.send_events, wire, self._wire_now())
            else:
                self._due_in("events", self.config.events_flush_seconds)
        if self._jobs.idle("commands") and self._is_due("commands"):
            self._jobs.start("commands", None, self.api.fetch_commands)
        self._schedule_command_results()

    def _schedule_command_results(self) -> None:
        if self._results_outbox and self._jobs.idle("result") and self._is_due("result"):
            command_id, outcome = self._results_outbox[0]
            self._jobs.start(
                "result",
                command_id,
                self.api.report_command_result,
                command_id,
                outcome.succeeded,
                outcome.result,
                outcome.error,
            )

    def _schedule_pairing(self) -> None:
        if not self._jobs.idle("pairing") or not self._is_due("pairing"):
            return
        pairing = self._pairing
        if pairing is None or self._wire_now() >= pairing.expires_at_utc:
            hardware_id = self.store.hardware_id()
            self._jobs.start(
                "pairing",
                None,
                self.api.start_pairing,
                hardware_id,
                self.config.model,
                self.config.app_version,
            )
        else:
            self._jobs.start(
                "pairing", None, self.api.pairing_status, pairing.pairing_id, pairing.pairing_secret
            )

    def _collect_jobs(self) -> None:
        for kind, future, context in self._jobs.finished():
            try:
                value = future.result()
            except TokenRejectedError:
                if self.state is not PlayerState.UNREGISTERED:
                    LOG.error("device token rejected twice: re-pairing (§25.10)")
                    self._dispatch(TokenInvalid())
                continue
            except ApiError as exc:
                self._on_job_failed(kind, exc, context)
                continue
            self._on_job_done(kind, value, context)

    def _on_job_done(self, kind: str, value: Any, context: Any) -> None:
        self._mark_online()
        match kind:
            case "manifest":
                self._on_manifest(value)
            case "heartbeat":
                self.counters.subtract(context)
                self._due_in("heartbeat", self._cadence())
            case "events":
                self.events.acknowledge([e.event_id for e in context])
                self._event_failures = 0
                self._events_since_flush = 0
                full = len(context) >= MAX_BATCH
                self._due_in("events", 0.0 if full else self.config.events_flush_seconds)
            case "commands":
                self._on_commands(value)
            case "result":
                self._results_outbox.pop(0)
            case "pairing":
                self._on_pairing(value)

    def _on_job_failed(self, kind: str, exc: ApiError, context: Any) -> None:
        if exc.is_offline:
            self._mark_offline()
        match kind:
            case "manifest":
                self._on_manifest_failed(exc)
            case "events" if (
                exc.status is not None and 400 <= exc.status < 500 and (exc.status != 429)
            ):
                # The server refuses this batch for good: dropping it unblocks the queue.
                LOG.error("event batch refused with HTTP %s, dropped", exc.status)
                self.events.acknowledge([e.event_id for e in context])
            case "events":
                self._event_failures += 1
                self._due_in("events", self._backoff(self._event_failures, exc))
            case "pairing":
                self._pairing_failures += 1
                self._due_in("pairing", self._backoff(self._pairing_failures, exc))
            case _:
                self._due_in(kind, self._backoff(1, exc) if kind == "result" else self._cadence())

    def _backoff(self, failures: int, exc: ApiError) -> float:
        delay = backoff_seconds(failures, self._jitter())
        return max(delay, exc.retry_after or 0.0)

    def _jitter(self) -> float:
        # Stable per device but different across devices: spreads a fleet's retries.
        return self._jitter_value

    # ---- manifest sync (§28.6) -----------------------------------------------------------

    def _on_manifest(self, fetch: ManifestFetch) -> None:
        self._manifest_failures = 0
        self._last_sync_utc = self._wire_now()
        manifest = fetch.manifest
        if manifest is not None:
            self._consider(manifest)
        self._due_in("manifest", self._next_poll(None))

    def _consider(self, manifest: Manifest) -> None:
        etag = manifest.manifest_etag
        if self.staged is not None and etag == self.staged.manifest_etag:
            return
        if self.current is not None and etag == self.current.manifest_etag:
            if self.staged is not None:
                self._reject_staged("SUPERSEDED")  # the server went back to what is playing
            return
        self._stage(manifest)

    def _on_manifest_failed(self, exc: ApiError) -> None:
        self._manifest_failures += 1
        self.counters.manifest_fetch_failures += 1
        payload = {"httpStatus": exc.status, "reason": exc.reason}
        self._emit("MANIFEST_FETCH_FAILED", "WARNING", payload)
        self._due_in("manifest", self._next_poll(exc))

    def _next_poll(self, exc: ApiError | None) -> float:
        active = self.current or self.staged
        return next_poll_delay(
            SyncInputs(
                now=self._wire_now(),
                next_check_seconds=self._cadence(),
                valid_to_utc=active.valid_to_utc if active else None,
                consecutive_failures=self._manifest_failures,
                retry_after_seconds=exc.retry_after if exc else None,
                jitter=self._jitter(),
            )
        )

    def _mark_online(self) -> None:
        self._last_sync_utc = self._wire_now()
        if self.connected:
            return
        self.connected = True
        offline_for = max(0.0, (self._wire_now() - self._offline_since).total_seconds())
        LOG.info("back online after %.0f s", offline_for)
        self._emit("ONLINE_RESTORED", "INFO", {"offlineDurationSeconds": int(offline_for)})
        self.downloads.forget_failures()

    def _mark_offline(self) -> None:
        if not self.connected:
            return
        self.connected = False
        self._offline_since = self._wire_now()
        LOG.warning("backend unreachable: offline, playing from cache")
        last = format_utc(self._last_sync_utc) if self._last_sync_utc else None
        self._emit("OFFLINE_ENTERED", "WARNING", {"lastOnlineAtUtc": last})

    # ---- pairing (§8, §28.10) ------------------------------------------------------------

    def _on_pairing(self, value: PairingStart | PairingStatus) -> None:
        self._pairing_failures = 0
        if isinstance(value, PairingStart):
            self._pairing = value
            LOG.info("pairing code issued; waiting for a manager to claim this screen")
            self._show_screen(ScreenKind.PAIRING, None)
            self._due_in("pairing", max(value.poll_seconds, 1))
            return
        if value.status == "COMPLETED" and value.device_token:
            self._paired(value)
        elif value.status == "EXPIRED":
            self._pairing = None
            self._due_in("pairing", 0.0)
        else:
            poll = self._pairing.poll_seconds if self._pairing else 5
            self._due_in("pairing", max(poll, 1))

    def _paired(self, status: PairingStatus) -> None:
        assert status.device_token is not None
        self.store.write_token(status.device_token)
        self._token = status.device_token
        self._device_id = status.device_id
        self._pairing = None
        LOG.info("paired as device %s", status.device_id)
        for kind in ("manifest", "heartbeat", "events", "commands"):
            self._due_in(kind, 0.0)
        self._dispatch(Paired())

    def _forget_token(self) -> None:
        self.store.clear_token()
        self._token = None
        self._pairing = None
        self._due_in("pairing", 0.0)

    # ---- commands (§28.7) ----------------------------------------------------------------

    def _on_commands(self, received: list[Command]) -> None:
        last = self.store.read_last_command_id()
        queued = {c.command_id for c in self._pending_commands}
        for command in received:
            if command.command_id in self._processed_commands | queued:
                continue
            if command.command_id == last:
                # Ran before a restart but its result was lost: say so, never run it twice.
                self._processed_commands.add(command.command_id)
                lost = commands.CommandOutcome(False, error="outcome lost in an app restart")
                self._results_outbox.append((command.command_id, lost))
            else:
                self._pending_commands.append(command)
        self._due_in("commands", self._cadence())

    def _run_pending_commands(self) -> None:
        while self._pending_commands:
            command = self._pending_commands.pop(0)
            outcome = commands.execute(command, self)
            self._processed_commands.add(command.command_id)
            self.store.write_last_command_id(command.command_id)
            payload = {"commandId": command.command_id, "commandType": command.type}
            if outcome.succeeded:
                self._emit("COMMAND_EXECUTED", "INFO", payload)
            else:
                self._emit("COMMAND_FAILED", "ERROR", {**payload, "reason": outcome.error})
            LOG.info("command %s: %s", command.type, "ok" if outcome.succeeded else "failed")
            self._results_outbox.append((command.command_id, outcome))

    def refresh_manifest(self) -> None:
        """REQUEST_MANIFEST_REFRESH: poll now."""
        self._due_in("manifest", 0.0)

    def restart_playback_loop(self) -> None:
        """RESTART_PLAYBACK_LOOP: start the rotation over from the first item."""
        self.loop_count = 0
        self._failed_assets.clear()
        self.now_playing = None
        if self.state in (PlayerState.PLAYING, PlayerState.ERROR_SCREEN):
            self._dispatch(RestartRotation())

    def clear_cache(self, unused_only: bool) -> int:
        """CLEAR_CACHE_UNUSED / CLEAR_CACHE_ALL; the asset on screen stays so it never blanks."""
        keep: set[str] = set(self._protected_ids()) if unused_only else set()
        if self.now_playing is not None:
            keep.add(self.now_playing.item.asset_id)
        freed = sum(
            self._forget_asset(a.asset_id) for a in self.index.all() if a.asset_id not in keep
        )
        return freed + self._remove_orphan_files()

    def _remove_orphan_files(self) -> int:
        # Skip fresh files: a download renames into assets/ just before it is indexed.
        known = {a.path for a in self.index.all()}
        cutoff = time.time() - ORPHAN_GRACE_SECONDS
        freed = 0
        for path in self.store.assets_dir.iterdir():
            info = path.stat()
            if path not in known and info.st_mtime < cutoff:
                path.unlink()
                freed += info.st_size
        return freed

    def request_restart(self) -> None:
        """REBOOT_APP: leave the loop; the supervisor (or __main__) starts a fresh process."""
        self.restart_requested = True

    def set_log_level(self, level: str) -> None:
        """SET_LOG_LEVEL."""
        logging.getLogger("player").setLevel(level)

    def enable_diagnostics(self, minutes: int) -> None:
        """ENABLE_DIAGNOSTICS: DEBUG logging for a while, then back to the level before."""
        logger = logging.getLogger("player")
        if self._diagnostics_until is None:
            self._level_before_diagnostics = logger.level
        logger.setLevel(logging.DEBUG)
        self._diagnostics_until = self.clock.monotonic() + minutes * 60

    # ---- telemetry (§27.8.2) -------------------------------------------------------------

    def heartbeat(self) -> dict[str, Any]:
        """The heartbeat body describing this instant."""
        playing = self._on_screen_manifest()
        playlist = playing.playlist if playing else None
        assets = list(self._cache.values())
        return heartbeat_body(
            device_time=self._wire_now(),
            app_version=self.config.app_version,
            state=heartbeat_state(self.state),
            manifest_etag=_etag_of(playing or self.current),
            playback=PlaybackReport(
                playlist_id=playlist.playlist_id if playlist else None,
                published_version=playlist.published_version if playlist else None,
                current_asset_id=self.now_playing.item.asset_id if self.now_playing else None,
                current_item_index=self.now_playing.index if self.now_playing else None,
                loop_count=self.loop_count,
            ),
            cache=CacheReport(
                total_bytes=self.config.cache_budget_bytes,
                used_bytes=sum(a.size_bytes for a in assets),
                asset_count=len(assets),
                pending_downloads=self._pending_downloads,
            ),
            network=NetworkReport(self.connected, self._network_type(), self._last_sync_utc),
            errors=self.counters.copy(),
        )

    def _network_type(self) -> str:
        configured = self.config.network_type
        return configured or host.detect_network_type() or "ETHERNET"

    # ---- housekeeping --------------------------------------------------------------------

    def _housekeeping(self) -> None:
        now = self.clock.monotonic()
        if not self._boots_cleared and now - self._started_at >= CRASH_WINDOW_SECONDS:
            # A stable run ends the crash-loop record; safe mode lifts at the next boundary.
            self.store.write_boots([])
            self._boots_cleared = True
            if self.safe_mode:
                LOG.info("stable for 5 min: leaving safe mode")
                self.safe_mode = False
        if self._diagnostics_until is not None and now >= self._diagnostics_until:
            logging.getLogger("player").setLevel(self._level_before_diagnostics)
            self._diagnostics_until = None

    def snapshot(self) -> StateSnapshot:
        """What `state.json` says right now."""
        playing = self._on_screen_manifest()
        return StateSnapshot(
            state=self.state.value,
            pairing_code=self._pairing.pairing_code if self._pairing else None,
            device_id=self._device_id,
            playlist_id=playing.playlist.playlist_id if playing and playing.playlist else None,
            current_asset_id=self.now_playing.item.asset_id if self.now_playing else None,
            current_item_index=self.now_playing.index if self.now_playing else None,
            manifest_etag=_etag_of(self.current),
            last_sync_utc=format_utc(self._last_sync_utc) if self._last_sync_utc else None,
            safe_mode=self.safe_mode,
            host=dict(self.host_report),
        )

    def _persist_state(self) -> None:
        snapshot = self.snapshot()
        if snapshot != self._last_snapshot:
            self.store.write_state(snapshot)
            self._last_snapshot = replace(snapshot)


def _etag_of(manifest: Manifest | None) -> str | None:
    return manifest.manifest_etag if manifest is not None else None
