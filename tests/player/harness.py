"""The player test harness, typed, for tests to import (never from a conftest): a real Player
on a manual clock with a fake screen (`Harness`), what `make_player` takes (`MakePlayer`) and
the playlist most tests publish (`publish_abc`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypedDict, Unpack

from player.app import Player
from player.clock import ManualClock
from player.media_backend import FakeBackend
from player.recorder import ScreenKind, ScreenRecorder
from player.state_machine import PlayerState
from tests.player.fake_platform import FakePlatform
from tests.player.media import image_bytes, mp4_bytes
from tests.player.wire_json import ItemJson

START = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def publish_abc(platform: FakePlatform, etag: str = "e1") -> list[ItemJson]:
    """Two images and a 1 s video: the playlist most tests play."""
    platform.add_media("a.jpg", image_bytes((200, 0, 0)))
    platform.add_media("b.png", image_bytes((0, 200, 0), "PNG"))
    platform.add_media("c.mp4", mp4_bytes(1.0))
    items = [
        platform.item("a", "a.jpg", "IMAGE"),
        platform.item("b", "b.png", "IMAGE"),
        platform.item("c", "c.mp4", "VIDEO"),
    ]
    platform.publish(etag, items)
    return items


@dataclass
class Harness:
    """A real Player on a manual clock with a fake screen; `run` advances time and ticks."""

    player: Player
    clock: ManualClock
    backend: FakeBackend
    recorder: ScreenRecorder
    data_dir: Path

    def run(self, seconds: float, step: float = 0.1) -> None:
        for _ in range(round(seconds / step)):
            self.step(step)

    def step(self, step: float = 0.1) -> None:
        self.clock.advance(step)
        self.player.tick()
        time.sleep(0.003)  # lets background HTTP and download threads make progress

    def run_until(self, condition: Callable[[], bool], limit: float = 60.0) -> None:
        """Advance fake time until `condition` holds; fail after `limit` fake seconds."""
        elapsed = 0.0
        while not condition():
            if elapsed > limit:
                raise AssertionError(f"condition not met within {limit} fake seconds")
            self.step()
            elapsed += 0.1

    def warm(self, assets: int = 3) -> None:
        """Run until a manifest is applied, playing, and `assets` files are cached."""
        self.run_until(
            lambda: (
                self.player.state is PlayerState.PLAYING
                and self.player.current is not None
                and len(self.player.cache.assets) == assets
            )
        )

    def cached_ids(self) -> set[str]:
        return {asset.asset_id for asset in self.player.index.all()}

    def blank_or_error_since_first_content(self) -> float:
        first = self.recorder.first_content_at()
        assert first is not None, "nothing was ever shown"
        kinds = {ScreenKind.BLANK, ScreenKind.ERROR, ScreenKind.PAIRING}
        return self.recorder.seconds_showing(kinds, first, self.clock.monotonic())

    def close(self) -> None:
        self.player.close(clean=True)


class ConfigOverrides(TypedDict, total=False):
    """PlayerConfig fields a test may set (the rest come from the harness)."""

    cache_budget_bytes: int
    max_downloads: int
    events_flush_seconds: float
    network_type: str | None
    screen_size: tuple[int, int]
    orientation: str


class MakePlayer(Protocol):
    """The `make_player` fixture: a started Player on a manual clock against the platform."""

    def __call__(
        self, data_dir: Path | None = None, paired: bool = True, **config: Unpack[ConfigOverrides]
    ) -> Harness: ...
