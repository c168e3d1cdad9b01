"""Support commands as they arrive (§28.7): fetch, run each once at a safe point, report.

Commands run at item boundaries (or at once when nothing plays), never twice: the last one run
is on disk, and one that ran before a restart but whose result was lost is reported as such.
What a command does is `commands.execute` against a `CommandTarget` (the player).

CAPTURE_SCREENSHOT (issue 19 item 3) is the exception: it changes nothing on screen, and at a
boundary a video has already ended, so it is taken as soon as it arrives, mid-item; its JPEG is
then uploaded by a background job and the result reported once the upload is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from player import commands
from player.api_client import ApiError
from player.asset_sync import AssetSync
from player.background_jobs import BackgroundJobs, DueTimes, Job, JobKind, periodic_retry_delay
from player.clock import Clock
from player.media_backend import MediaBackend
from player.network import Network
from player.outbox import Outbox
from player.rotation import Rotation
from player.store import DataDir
from player.sync import ManifestSync
from player.wire import Command

if TYPE_CHECKING:
    from player.screenshot import Screenshot

LOG = logging.getLogger("player")


class CommandRunner:
    """Polls for commands, queues the new ones and runs them against the target."""

    def __init__(
        self,
        store: DataDir,
        network: Network,
        jobs: BackgroundJobs,
        due: DueTimes,
        outbox: Outbox,
        cadence: Callable[[], float],
        target: commands.CommandTarget,
        jitter: float,
    ) -> None:
        self._store = store
        self._network = network
        self._jobs = jobs
        self._due = due
        self._outbox = outbox
        self._cadence = cadence  # the server's nextCheckSeconds
        self._target = target
        self._jitter = jitter
        self._poll_failures = 0
        self._pending: list[Command] = []
        self._screenshots: list[Command] = []  # to take when no upload is running
        self._processed: set[str] = set()

    def poll(self) -> None:
        self._take_screenshot()
        if self._due.ready(self._jobs, JobKind.COMMANDS):
            fetch = self._network.api.fetch_commands
            self._jobs.start(Job(JobKind.COMMANDS, fetch, self._received, self._poll_failed))

    def _poll_failed(self, error: ApiError) -> None:
        self._poll_failures += 1
        delay = periodic_retry_delay(self._cadence(), self._poll_failures, error, self._jitter)
        self._due.due_in(JobKind.COMMANDS, delay)

    def _received(self, received: list[Command]) -> None:
        self._poll_failures = 0
        last = self._store.read_last_command_id()
        queued = {c.command_id for c in (*self._pending, *self._screenshots)}
        for command in received:
            if command.command_id in self._processed | queued:
                continue
            if command.command_id == last:
                # Ran before a restart but its result was lost: say so, never run it twice.
                self._processed.add(command.command_id)
                lost = commands.CommandOutcome(False, error="outcome lost in an app restart")
                self._outbox.add_result(command.command_id, lost)
            elif command.type == commands.CAPTURE_SCREENSHOT:
                self._screenshots.append(command)
            else:
                self._pending.append(command)
        self._due.due_in(JobKind.COMMANDS, self._cadence())
        self._take_screenshot()

    def run_pending(self) -> None:
        """Run every queued command, in order (the caller picks the safe moment)."""
        while self._pending:
            command = self._pending.pop(0)
            outcome = commands.execute(command, self._target)
            self._processed.add(command.command_id)
            self._store.write_last_command_id(command.command_id)
            self._report(command, outcome)

    def _take_screenshot(self) -> None:
        """The next screenshot asked for, taken now and uploaded in the background."""
        if not self._screenshots or not self._jobs.idle(JobKind.SCREENSHOT):
            return
        command = self._screenshots.pop(0)
        self._processed.add(command.command_id)
        self._store.write_last_command_id(command.command_id)  # never taken twice
        try:
            shot = self._target.capture_screenshot()
        except Exception as exc:  # a failed screenshot must not take the player down
            LOG.warning("screenshot failed: %s", exc)
            self._report(command, commands.CommandOutcome(False, error=f"no screenshot: {exc}"))
            return
        upload = self._network.api.upload_screenshot
        self._jobs.start(
            Job(
                JobKind.SCREENSHOT,
                lambda: upload(command.command_id, shot.jpeg),
                lambda _: self._report(command, commands.CommandOutcome(True, shot.facts())),
                lambda error: self._report(
                    command, commands.CommandOutcome(False, error=f"upload failed: {error}")
                ),
            )
        )

    def _report(self, command: Command, outcome: commands.CommandOutcome) -> None:
        """Tell the event log and the server how a command ended (§28.7)."""
        payload = {"commandId": command.command_id, "commandType": command.type}
        if outcome.succeeded:
            self._outbox.emit("COMMAND_EXECUTED", "INFO", payload)
        else:
            self._outbox.emit("COMMAND_FAILED", "ERROR", {**payload, "reason": outcome.error})
        LOG.info("command %s: %s", command.type, "ok" if outcome.succeeded else "failed")
        self._outbox.add_result(command.command_id, outcome)


class Diagnostics:
    """SET_LOG_LEVEL and ENABLE_DIAGNOSTICS: DEBUG for a while, then the level from before."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until: float | None = None  # monotonic
        self._level_before = logging.INFO

    def set_log_level(self, level: str) -> None:
        logging.getLogger("player").setLevel(level)

    def enable(self, minutes: int) -> None:
        logger = logging.getLogger("player")
        if self._until is None:
            self._level_before = logger.level
        logger.setLevel(logging.DEBUG)
        self._until = self._clock.monotonic() + minutes * 60

    def expire(self, now: float) -> None:
        """Back to the level from before once the window is over."""
        if self._until is not None and now >= self._until:
            logging.getLogger("player").setLevel(self._level_before)
            self._until = None


ScreenOutput = tuple[MediaBackend, tuple[int, int], Path]  # backend, output size, scratch dir


class PlayerControls:
    """What commands can ask of the player (a `commands.CommandTarget`), each passed on to the
    collaborator that owns it; REBOOT_APP only raises `restart_requested` for the loop."""

    def __init__(
        self,
        sync: ManifestSync,
        rotation: Rotation,
        assets: AssetSync,
        clock: Clock,
        screen: ScreenOutput,
    ) -> None:
        self._sync = sync
        self._rotation = rotation
        self._assets = assets
        self._backend, self._output_size, self._work_dir = screen
        self._diagnostics = Diagnostics(clock)
        self.restart_requested = False

    def refresh_manifest(self) -> None:
        """REQUEST_MANIFEST_REFRESH: poll now."""
        self._sync.poll_now()

    def restart_playback_loop(self) -> None:
        """RESTART_PLAYBACK_LOOP: start the rotation over from the first item."""
        self._rotation.restart_loop()

    def clear_cache(self, unused_only: bool) -> int:
        """CLEAR_CACHE_UNUSED / CLEAR_CACHE_ALL; returns the bytes freed."""
        return self._assets.clear_cache(unused_only)

    def request_restart(self) -> None:
        """REBOOT_APP: leave the loop; the supervisor (or __main__) starts a fresh process."""
        self.restart_requested = True

    def set_log_level(self, level: str) -> None:
        """SET_LOG_LEVEL."""
        self._diagnostics.set_log_level(level)

    def enable_diagnostics(self, minutes: int) -> None:
        """ENABLE_DIAGNOSTICS: DEBUG logging for a while, then back to the level before."""
        self._diagnostics.enable(minutes)

    def expire_diagnostics(self, now: float) -> None:
        self._diagnostics.expire(now)

    def capture_screenshot(self) -> Screenshot:
        """CAPTURE_SCREENSHOT: what the backend shows, as a JPEG composed the way it is drawn."""
        from player.screenshot import take_screenshot  # Pillow loads on the first request

        return take_screenshot(self._backend, self._output_size, self._work_dir)
