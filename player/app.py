"""The app controller (§33.3.1): wires the pure core to storage, network, downloads and screen.

One thread runs `tick()` in a loop: it drains libVLC events, moves the rotation on, applies a
staged manifest at item boundaries and starts background jobs. Network calls and downloads run
on worker threads and are only ever collected here, so playback never waits on I/O (§33.5).
Time comes from an injectable `Clock`, which makes offline, expiry and clock-jump tests exact.

`Player` only builds and wires its collaborators (as xibo-linux's `XiboApp` wires its
collection interval) and decides the order of a loop turn; each seam lives in its own module:
manifest sync (`sync.py`), media onto disk (`asset_sync.py`), the rotation (`rotation.py`),
what the server is owed (`outbox.py`), commands (`command_runner.py`), pairing (`pairing.py`),
the player's own slides (`slides.py`), the HTTP client (`network.py`), online or offline
(`connectivity.py`), heartbeat and state.json (`reports.py`). Background calls are typed
`Job`s of a `JobKind` (`background_jobs.py`).
"""

from __future__ import annotations

import logging
import os
import platform
import threading
import time
import zlib
from typing import TYPE_CHECKING

from player import host
from player.asset_cache import AssetCache
from player.asset_sync import AssetSync
from player.background_jobs import BackgroundJobs, DueTimes
from player.cache_index import CacheIndex
from player.clock import Clock
from player.command_runner import CommandRunner, PlayerControls
from player.config import PlayerConfig
from player.connectivity import Connectivity
from player.crash_guard import CRASH_WINDOW_SECONDS, record_boot
from player.event_queue import EventQueue
from player.machine import Machine
from player.manifests import ManifestSlots
from player.media_backend import MediaBackend
from player.network import Network
from player.outbox import Outbox
from player.pairing import Pairing
from player.recorder import ScreenRecorder
from player.reports import Reports
from player.rotation import NowPlaying, Rotation
from player.slides import Slides
from player.state_machine import (
    CheckPlayable,
    ClearToken,
    Effect,
    Emit,
    InitComplete,
    LoadLocal,
    LocalLoaded,
    PlayerState,
    ShowErrorScreen,
    ShowPairingScreen,
    StartPlayback,
)
from player.store import DataDir, StateSnapshot
from player.sync import ManifestSync
from player.telemetry import ErrorCounters
from player.wire import Manifest

if TYPE_CHECKING:
    import httpx

__all__ = ["Player", "PlayerConfig"]  # callers build a Player and its config from here

LOG = logging.getLogger("player")
FIRST_FRAME_WAIT = 2.0  # seconds the network start-up waits for libVLC's first frame


class Player:
    """The controller: builds the collaborators, wires them, and runs the loop's turns."""

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
        self.store = store = DataDir(config.data_dir)
        self.index = index = CacheIndex(store.cache_db)
        self.events = EventQueue(store.events_db)
        self.counters = counters = ErrorCounters()
        # Stable per device but different across devices: spreads a fleet's retries.
        jitter = (zlib.crc32(store.hardware_id().encode()) % 1000) / 1000.0
        self._jobs = jobs = BackgroundJobs(workers=2)
        due = DueTimes(clock.monotonic)
        self.machine = machine = Machine(self._perform)
        self.manifests = manifests = ManifestSlots(store)
        self.cache = cache = AssetCache(index)
        # The network side is built after the first frame (see `tick`).
        self.network = network = Network(
            config.api_url, config.max_downloads, store, index, clock, transport=transport,
            token=lambda: self.pairing.token,  # pairing owns the token
        )  # fmt: skip
        self.outbox = outbox = Outbox(
            self.events, jobs, due, network, clock, counters, config.events_flush_seconds, jitter,
            cadence=manifests.cadence, heartbeat=lambda: self.reports.heartbeat(),
        )  # fmt: skip
        self.rotation = rotation = Rotation(
            backend, clock, recorder, machine, manifests, cache, outbox, counters,
            boundary_work=self._at_item_boundary,
        )  # fmt: skip
        self.slides = slides = Slides(
            store.root / "screens", config.screen_size, config.orientation, config.api_url,
            backend, clock, recorder, manifests, rotation,
        )  # fmt: skip
        self.sync = sync = ManifestSync(
            store, manifests, cache, rotation, machine, network, jobs, due, outbox, counters,
            jitter, on_token_renewed=lambda token: self.pairing.adopt_renewed_token(token),
        )  # fmt: skip
        self.assets = assets = AssetSync(
            store, index, cache, manifests, rotation, machine, network, outbox, counters, clock,
            config.cache_budget_bytes,
        )  # fmt: skip
        self.pairing = pairing = Pairing(
            store, config.model, config.app_version, machine, network, jobs, due, slides, jitter
        )
        self.link = link = Connectivity(network, outbox, on_token_rejected=pairing.token_rejected)
        screen = (backend, config.screen_size, store.root / "screens")
        self.controls = controls = PlayerControls(sync, rotation, assets, clock, screen)
        self.commands = CommandRunner(
            store, network, jobs, due, outbox, manifests.cadence, controls, jitter
        )
        self._relaunch = host.relaunch_supervision(os.environ)
        self.reports = Reports(
            config, store, machine, manifests, rotation, cache, assets, pairing, network, link,
            counters, self._relaunch,
        )  # fmt: skip
        self._started_at = clock.monotonic()
        self._boots_cleared = False
        self._closed = False

    # ---- what tests, the bench and state.json read ----------------------------------------

    @property
    def state(self) -> PlayerState:
        return self.machine.state

    @property
    def current(self) -> Manifest | None:
        return self.manifests.current

    @property
    def previous(self) -> Manifest | None:
        return self.manifests.previous

    @property
    def now_playing(self) -> NowPlaying | None:
        return self.rotation.now_playing

    @property
    def safe_mode(self) -> bool:
        return self.rotation.safe_mode

    @property
    def connected(self) -> bool:
        return self.link.connected

    @property
    def downloads_paused(self) -> bool:
        return self.assets.paused

    @property
    def restart_requested(self) -> bool:
        """A REBOOT_APP command ran: the loop ends and a fresh process takes over."""
        return self.controls.restart_requested

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """BOOT (§28.4): crash-loop check, then hand over to the state machine."""
        verdict = record_boot(self.store.read_boots(), self.clock.now().timestamp())
        self.store.write_boots(verdict.boots)
        if verdict.safe_mode:
            LOG.warning("crash loop detected: %d starts in 5 min, safe mode", len(verdict.boots))
        self.rotation.safe_mode = verdict.safe_mode
        previous_state = self.store.read_state()
        self.pairing.device_id = previous_state.device_id if previous_state else None
        app_info = {
            "appVersion": self.config.app_version,
            "deviceModel": self.config.model,
            "osVersion": platform.platform(terse=True),
            "relaunchSupervisor": self._relaunch,
        }
        self.machine.dispatch(InitComplete(self.pairing.token is not None, app_info))

    def tick(self) -> None:
        """One turn of the loop; never blocks on the network or the disk beyond a few writes."""
        self.rotation.pump_backend()
        self.rotation.check_item_timers()
        if not self.network.ready and self._network_may_start():
            self.network.build()
        if self.network.ready:
            self._sync_turn()
        self._housekeeping()
        self.reports.persist_state()

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set or a REBOOT_APP command asks for a restart."""
        self.start()
        notifier = host.SystemdNotifier(os.environ, time.monotonic)
        notifier.notify("READY=1")
        try:
            while not stop.is_set() and not self.restart_requested:
                self.tick()
                notifier.watchdog()
                self.backend.wait_for_event(self.config.tick_seconds)
            if self.restart_requested:
                self._flush_results_before_exit(stop)
        finally:
            self.close(clean=True)

    def close(self, clean: bool) -> None:
        """Stop workers; a clean exit clears the crash-loop record (§33.6). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._jobs.close()
        self.network.close()
        self.backend.close()
        if clean:
            self.store.write_boots([])
        self.index.close()
        self.events.close()

    def _network_may_start(self) -> bool:
        # §28.1 first frame ASAP: httpx and the workers load once cached content is on screen
        # (or once there is none to wait for), never in front of it.
        waited = self.clock.monotonic() - self._started_at
        rotation = self.rotation
        return (
            rotation.first_frame_seen or rotation.now_playing is None or waited > FIRST_FRAME_WAIT
        )

    def _flush_results_before_exit(self, stop: threading.Event) -> None:
        # REBOOT_APP's result must reach the server before the process goes away.
        deadline = self.clock.monotonic() + 5.0
        while (
            self.outbox.results_waiting()
            and self.clock.monotonic() < deadline
            and not stop.is_set()
        ):
            self._jobs.collect(self.link)
            self.outbox.send_results()
            self.backend.wait_for_event(self.config.tick_seconds)

    # ---- one turn ------------------------------------------------------------------------

    def _sync_turn(self) -> None:
        """Collect background results, apply what is ready, start what is due."""
        self._jobs.collect(self.link)
        self.assets.collect()
        self.sync.evaluate_staged()
        if self.state is not PlayerState.PLAYING or self.rotation.now_playing is None:
            self.commands.run_pending()  # nothing on screen to protect: no boundary to wait for
        self.assets.schedule()
        self._start_network_jobs()

    def _start_network_jobs(self) -> None:
        if self.state is PlayerState.UNREGISTERED:
            self.pairing.poll()
            return
        if self.pairing.token is None or self.state is PlayerState.BOOT:
            return
        self.sync.poll()
        self.outbox.send_heartbeat()
        self.outbox.send_events()
        self.commands.poll()
        self.outbox.send_results()

    def _at_item_boundary(self) -> bool:
        """The safe point (§28.5, §33.8): a staged manifest waiting for it is applied, else
        queued commands run. True when the rotation must not go on to its next item."""
        if self.sync.apply_at_boundary():
            return True
        finished = self.rotation.now_playing
        self.commands.run_pending()
        if self.rotation.now_playing is not finished:
            return True  # a command already put the next item (or a screen) up
        return self.state is not PlayerState.PLAYING or self.restart_requested

    def _perform(self, effect: Effect) -> None:
        match effect:
            case Emit(event_type=event_type, severity=severity, payload=payload):
                self.outbox.emit(event_type, severity, payload)
            case LoadLocal():
                self._load_local()
            case CheckPlayable():
                self.rotation.check_playable()
            case StartPlayback(source=source):
                self.rotation.start(source)
            case ShowErrorScreen(reason=reason):
                self.slides.show_error(reason)
            case ShowPairingScreen():
                self.slides.show_pairing(self.pairing.code_and_qr())
            case ClearToken():
                self.pairing.forget_token()

    def _load_local(self) -> None:
        """LOAD_LOCAL (§28.4): manifests and cache index from disk; corrupt files reported."""
        corrupt = self.manifests.load()
        self.cache.drop_missing_files()
        self.machine.dispatch(LocalLoaded(corrupt))

    def _housekeeping(self) -> None:
        now = self.clock.monotonic()
        if not self._boots_cleared and now - self._started_at >= CRASH_WINDOW_SECONDS:
            # A stable run ends the crash-loop record; safe mode lifts at the next boundary.
            self.store.write_boots([])
            self._boots_cleared = True
            self.rotation.leave_safe_mode()
        self.controls.expire_diagnostics(now)

    # ---- reports (§27.8.2, state.json) ---------------------------------------------------

    def snapshot(self) -> StateSnapshot:
        """What `state.json` says right now."""
        return self.reports.snapshot()
