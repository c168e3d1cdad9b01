"""Crash-loop detection (§33.6): too many unclean starts in a short window → safe mode.

Every start is recorded before playback begins and the record is cleared on a clean exit or
after a stable run, so what remains are the starts that ended in a crash or a kill.
"""

from __future__ import annotations

from dataclasses import dataclass

CRASH_WINDOW_SECONDS = 300.0
CRASHES_FOR_SAFE_MODE = 3


@dataclass(frozen=True)
class BootVerdict:
    boots: list[float]  # what to persist
    safe_mode: bool


def record_boot(previous_boots: list[float], now: float) -> BootVerdict:
    """Add this start; safe mode when it makes 3 starts within 5 minutes (wall seconds)."""
    recent = [t for t in previous_boots if 0 <= now - t < CRASH_WINDOW_SECONDS]
    boots = [*recent, now]
    return BootVerdict(boots=boots, safe_mode=len(boots) >= CRASHES_FOR_SAFE_MODE)
