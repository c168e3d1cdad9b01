"""What draws pixels: a `MediaBackend` protocol, a libVLC backend and a fake for tests (§33.3.2).

libVLC calls its event callbacks on its own threads, and calling back into libVLC from there
can deadlock; so callbacks only put events on a queue that the controller drains (§33.5).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

HEADLESS_ARGS = ("--vout=dummy", "--aout=dummy")
COMMON_ARGS = ("--no-video-title-show", "--quiet", "--no-osd", "--no-snapshot-preview")


class BackendEventKind(StrEnum):
    ENDED = "ENDED"
    ERROR = "ERROR"
    PLAYING = "PLAYING"


@dataclass(frozen=True)
class BackendEvent:
    """Something libVLC reported about the media started with `generation`."""

    kind: BackendEventKind
    generation: int
    at: float = 0.0  # time.monotonic() when libVLC reported it (benchmarks measure gaps)


@dataclass(frozen=True)
class Showing:
    """What the backend last put on screen: a still or a video, turned for `orientation`."""

    path: Path
    video: bool
    orientation: str  # LANDSCAPE or PORTRAIT


class MediaBackend(Protocol):
    def show_image(self, path: Path) -> int:
        """Show a still until told otherwise; returns the generation of this media."""

    def play_video(self, path: Path) -> int:
        """Play a video once; ENDED arrives through `poll_events`. Returns its generation."""

    def set_orientation(self, orientation: str) -> None:
        """LANDSCAPE or PORTRAIT (§27.8.1 settings.orientation)."""

    def poll_events(self) -> list[BackendEvent]:
        """Events since the last call, in order; never blocks."""

    def wait_for_event(self, timeout: float) -> None:
        """Sleep up to `timeout`, waking early when an event arrives (a video ending)."""

    def showing(self) -> Showing | None:
        """What is on screen now (a CAPTURE_SCREENSHOT answer starts here); None before any."""

    def snapshot(self, path: Path) -> bool:
        """The video frame on screen as a PNG at `path`, as decoded (before turning); False
        when there is none to take."""

    def close(self) -> None: ...


class VlcBackend:
    """libVLC playback into one fullscreen window (or the dummy outputs when headless)."""

    def __init__(self, headless: bool, extra_args: tuple[str, ...] = ()) -> None:
        import vlc  # imported lazily: tests and benches without libVLC still load this module

        self._vlc = vlc
        args = [*COMMON_ARGS, *(HEADLESS_ARGS if headless else ()), *extra_args]
        self._instance = vlc.Instance(args)
        if self._instance is None:
            raise RuntimeError("libVLC could not start")
        self._player = self._instance.media_player_new()
        if not headless:
            self._player.set_fullscreen(True)
        self._events: queue.SimpleQueue[BackendEvent] = queue.SimpleQueue()
        self._event_arrived = threading.Event()
        self._generation = 0
        self._rotation: str | None = None
        self._showing: Showing | None = None

    def show_image(self, path: Path) -> int:
        # A negative image-duration holds the still; the controller times images itself.
        self._showing = Showing(path, video=False, orientation=self._orientation())
        return self._start(path, (":image-duration=-1",))

    def play_video(self, path: Path) -> int:
        self._showing = Showing(path, video=True, orientation=self._orientation())
        return self._start(path, ())

    def showing(self) -> Showing | None:
        return self._showing

    def snapshot(self, path: Path) -> bool:
        # libVLC writes the decoded frame (before the transform filter) at its own size (0, 0).
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        taken = self._player.video_take_snapshot(0, str(path), 0, 0) == 0
        return taken and path.exists() and path.stat().st_size > 0

    def _orientation(self) -> str:
        return "PORTRAIT" if self._rotation is not None else "LANDSCAPE"

    def set_orientation(self, orientation: str) -> None:
        self._rotation = "90" if orientation == "PORTRAIT" else None

    def poll_events(self) -> list[BackendEvent]:
        drained: list[BackendEvent] = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return drained
            drained.append(self._classify_end(event))

    def wait_for_event(self, timeout: float) -> None:
        # The loop wakes as soon as a video ends, so the next item follows within milliseconds.
        self._event_arrived.wait(timeout)
        self._event_arrived.clear()

    def _classify_end(self, event: BackendEvent) -> BackendEvent:
        # libVLC "plays" an undecodable file as Playing then Ended; nothing decoded is an error.
        # Safe here: this runs on the controller's thread, not in a libVLC callback.
        if event.kind is not BackendEventKind.ENDED or event.generation != self._generation:
            return event
        media = self._player.get_media()
        stats = self._vlc.MediaStats()
        decoded_nothing = (
            media is not None
            and media.get_stats(stats)
            and stats.decoded_video == 0
            and stats.decoded_audio == 0
        )
        if decoded_nothing:
            return BackendEvent(BackendEventKind.ERROR, event.generation, event.at)
        return event

    def close(self) -> None:
        self._player.stop()
        self._player.release()
        self._instance.release()

    def _start(self, path: Path, options: tuple[str, ...]) -> int:
        self._generation += 1
        generation = self._generation
        media = self._instance.media_new_path(str(path))
        for option in options:
            media.add_option(option)
        if self._rotation is not None:
            media.add_option(":video-filter=transform")
            media.add_option(f":transform-type={self._rotation}")
        self._watch(media, generation)
        # set_media + play replaces the picture in place: no stop() and no black frame between.
        self._player.set_media(media)
        media.release()
        self._player.play()
        return generation

    def _watch(self, media: Any, generation: int) -> None:
        vlc = self._vlc
        states = {
            vlc.State.Ended: BackendEventKind.ENDED,
            vlc.State.Error: BackendEventKind.ERROR,
            vlc.State.Playing: BackendEventKind.PLAYING,
        }

        def on_state(event: Any) -> None:
            # Runs on a libVLC thread: enqueue only, never call libVLC here.
            kind = states.get(event.u.new_state)
            if kind is not None:
                self._events.put(BackendEvent(kind, generation, time.monotonic()))
                self._event_arrived.set()

        media.event_manager().event_attach(vlc.EventType.MediaStateChanged, on_state)


class FakeBackend:
    """A backend with no pixels: videos end after `video_seconds` of the given clock."""

    def __init__(
        self,
        monotonic: Callable[[], float],
        video_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._video_seconds = video_seconds
        self._generation = 0
        self._video_ends_at: float | None = None
        self._pending: list[BackendEvent] = []
        self.shown: list[Path] = []
        self.started = 0  # media started so far (item transitions)
        self.failing: set[Path] = set()
        self.orientation = "LANDSCAPE"  # the last set_orientation
        self._showing: Showing | None = None

    def show_image(self, path: Path) -> int:
        return self._start(path, video=False)

    def play_video(self, path: Path) -> int:
        return self._start(path, video=True)

    def set_orientation(self, orientation: str) -> None:
        self.orientation = orientation

    def showing(self) -> Showing | None:
        return self._showing

    def snapshot(self, path: Path) -> bool:
        return False  # no pixels: a video screenshot needs libVLC

    def poll_events(self) -> list[BackendEvent]:
        if self._video_ends_at is not None and self._monotonic() >= self._video_ends_at:
            self._video_ends_at = None
            self._pending.append(BackendEvent(BackendEventKind.ENDED, self._generation))
        events, self._pending = self._pending, []
        return events

    def wait_for_event(self, timeout: float) -> None:
        self._sleep(timeout)

    def close(self) -> None:
        pass

    def _start(self, path: Path, video: bool) -> int:
        self._generation += 1
        self.started += 1
        self._showing = Showing(path, video, self.orientation)
        if len(self.shown) < 1000:  # bounded: the memory bench makes 10,000 transitions
            self.shown.append(path)
        self._video_ends_at = None
        if path in self.failing:
            self._pending.append(BackendEvent(BackendEventKind.ERROR, self._generation))
            return self._generation
        self._pending.append(BackendEvent(BackendEventKind.PLAYING, self._generation))
        if video:
            self._video_ends_at = self._monotonic() + self._video_seconds
        return self._generation
