"""Fixtures for the player tests: a fake platform, real media and a player on a manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Unpack

import pytest

from player.app import Player, PlayerConfig
from player.clock import ManualClock
from player.media_backend import FakeBackend
from player.recorder import ScreenRecorder
from player.store import DataDir
from tests.player.fake_platform import FakePlatform
from tests.player.harness import START, ConfigOverrides, Harness, MakePlayer


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_player(tmp_path: Path, platform: FakePlatform) -> Iterator[MakePlayer]:
    made: list[Harness] = []

    def make(
        data_dir: Path | None = None, paired: bool = True, **config: Unpack[ConfigOverrides]
    ) -> Harness:
        directory = data_dir or tmp_path / "player"
        clock = ManualClock(START)
        backend = FakeBackend(clock.monotonic, video_seconds=1.0, sleep=clock.sleep)
        recorder = ScreenRecorder()
        settings = PlayerConfig(data_dir=directory, api_url=platform.url, events_flush_seconds=1)
        if paired:
            platform.state.token = platform.state.token or "tok-test"
            DataDir(directory).write_token(platform.state.token)
        player = Player(replace(settings, **config), backend, clock, recorder)
        harness = Harness(player, clock, backend, recorder, directory)
        player.start()
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()
