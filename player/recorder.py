"""A screen recorder: what was on screen from which instant (§9 "never blank").

The controller reports every change of what it put on screen; tests then ask how long the
screen was blank (or showed the error screen) while content was cached.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class ScreenKind(StrEnum):
    BLANK = "BLANK"
    CONTENT = "CONTENT"
    ERROR = "ERROR"
    PAIRING = "PAIRING"


@dataclass(frozen=True)
class Frame:
    """From `at` (monotonic seconds) until the next frame, the screen showed this."""

    at: float
    kind: ScreenKind
    asset_id: str | None = None


class ScreenRecorder:
    """Append-only timeline of screen changes; thread-safe, capped for long runs."""

    def __init__(self, max_frames: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._frames: list[Frame] = []
        self._max_frames = max_frames

    def record(self, frame: Frame) -> None:
        with self._lock:
            if len(self._frames) < self._max_frames:
                self._frames.append(frame)

    def frames(self) -> list[Frame]:
        with self._lock:
            return list(self._frames)

    def seconds_showing(self, kinds: set[ScreenKind], start: float, end: float) -> float:
        """Total time within [start, end) spent showing one of `kinds` (before any frame: BLANK)."""
        timeline = [Frame(float("-inf"), ScreenKind.BLANK), *self.frames()]
        total = 0.0
        for frame, following in zip(timeline, [*timeline[1:], None], strict=True):
            until = following.at if following is not None else end
            overlap = min(until, end) - max(frame.at, start)
            if frame.kind in kinds and overlap > 0:
                total += overlap
        return total

    def first_content_at(self) -> float | None:
        return next((f.at for f in self.frames() if f.kind is ScreenKind.CONTENT), None)

    def asset_sequence(self) -> list[str]:
        """Asset ids in the order they were put on screen."""
        return [f.asset_id for f in self.frames() if f.asset_id is not None]


def record_frame(
    recorder: ScreenRecorder | None, at: float, kind: ScreenKind, asset_id: str | None
) -> None:
    """Note what went on screen, when a recorder is attached (tests, benchmarks)."""
    if recorder is not None:
        recorder.record(Frame(at, kind, asset_id))
