"""The settings of one player process (`python -m player` builds them from its arguments)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from player.cache_policy import DEFAULT_BUDGET_BYTES
from player.downloads import DEFAULT_CONCURRENCY

APP_VERSION = "0.1.0"
DEFAULT_SCREEN_SIZE = (1920, 1080)  # a 1080p TV: the slides' size when nothing tells better


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
