"""Time as a parameter (DESIGN.md): the controller reads wall time and a monotonic clock here."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

SKEW_TOLERANCE = timedelta(minutes=1)


def corrected_time(device_time: datetime, server_offset: timedelta | None) -> datetime:
    """Device time, or server-corrected time when the device clock is off by over a minute.

    §27.8.2: the server's clock is authoritative when the device's is wrong. Timestamps the
    server compares (manifest validity, pairing expiry) or stores (events, heartbeats) use it,
    so a device whose clock jumped neither expires good content nor has its telemetry refused.
    """
    if server_offset is None or abs(server_offset) <= SKEW_TOLERANCE:
        return device_time
    return device_time + server_offset


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC wall time (manifests expire by it; it can jump)."""

    def monotonic(self) -> float:
        """Seconds that only move forward (intervals and deadlines use it)."""

    def sleep(self, seconds: float) -> None:
        """Wait; a manual clock advances instead."""


class SystemClock:
    """The real clocks."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ManualClock:
    """A clock that moves only when told to; `sleep` advances it. Thread-safe."""

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._wall = start
        self._mono = 1000.0

    def now(self) -> datetime:
        with self._lock:
            return self._wall

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move both clocks forward together."""
        with self._lock:
            self._wall += timedelta(seconds=seconds)
            self._mono += seconds

    def jump_wall(self, delta: timedelta) -> None:
        """Move only the wall clock, as an NTP correction or a wrong RTC does."""
        with self._lock:
            self._wall += delta
