"""CAPTURE_SCREENSHOT on the reference player (issue 19 item 3): real libVLC (dummy outputs)
plays real media; the screenshot is taken mid-item, composed the way libVLC draws it (fitted on
black in the viewers' frame) and uploaded through the signed URL before the result is sent."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from player.app import Player, PlayerConfig
from player.clock import SystemClock
from player.media_backend import FakeBackend
from player.recorder import ScreenRecorder
from player.screenshot import NothingOnScreenError, take_screenshot
from player.store import DataDir
from tests.player.fake_platform import FakePlatform
from tests.player.media import mp4_bytes
from tests.player.test_vlc_playback import libvlc_usable, wait_for
from tests.player.wire_json import JsonObject

RED = (220, 20, 20)


def jpeg(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def rgb(picture: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    red, green, blue = picture.convert("RGB").getpixel((x, y))  # type: ignore[misc]
    return (red, green, blue)


def close_to(pixel: tuple[int, ...], wanted: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, wanted, strict=False))


@contextmanager
def vlc_player(platform: FakePlatform, data_dir: Path) -> Iterator[ScreenRecorder]:
    """A paired player with real libVLC on its own loop thread, as `python -m player` runs."""
    from player.media_backend import VlcBackend

    platform.state.token = "tok"
    DataDir(data_dir).write_token("tok")
    recorder = ScreenRecorder()
    config = PlayerConfig(data_dir=data_dir, api_url=platform.url, events_flush_seconds=1)
    player = Player(config, VlcBackend(headless=True), SystemClock(), recorder)
    stop = threading.Event()
    loop = threading.Thread(target=player.run, args=(stop,))
    loop.start()
    try:
        yield recorder
    finally:
        stop.set()
        loop.join(timeout=30)


def ask_for_screenshot(platform: FakePlatform, command_id: str) -> tuple[JsonObject, Image.Image]:
    platform.state.commands.append(
        {"commandId": command_id, "type": "CAPTURE_SCREENSHOT", "parameters": {}}
    )
    wait_for(lambda: command_id in platform.state.results, timeout=30)
    result = platform.state.results[command_id]
    assert result["status"] == "SUCCEEDED", result
    picture = Image.open(io.BytesIO(platform.state.screenshots[command_id]))
    assert picture.format == "JPEG"
    facts = result["result"]
    assert facts is not None, result  # a succeeded screenshot says what it took
    return facts, picture.convert("RGB")


vlc = pytest.mark.skipif(not libvlc_usable(), reason="libVLC is not installed")


@pytest.mark.vlc
@vlc
def test_a_still_is_captured_letterboxed_as_libvlc_draws_it(platform, tmp_path):
    platform.add_media("four-three.jpg", jpeg((800, 600), RED))
    platform.publish("e1", [platform.item("a", "four-three.jpg", "IMAGE", duration=60)])

    with vlc_player(platform, tmp_path / "device") as recorder:
        wait_for(lambda: "a" in recorder.asset_sequence())
        facts, picture = ask_for_screenshot(platform, "shot-1")

    assert facts["source"] == "IMAGE"
    assert (facts["widthPx"], facts["heightPx"]) == picture.size == (1920, 1080)
    assert facts["sizeBytes"] == len(platform.state.screenshots["shot-1"])
    assert close_to(rgb(picture, 960, 540), RED)
    # 4:3 fitted into 16:9: black bars of 240 px left and right, none above or below.
    assert close_to(rgb(picture, 100, 540), (0, 0, 0), 8)
    assert close_to(rgb(picture, 1820, 540), (0, 0, 0), 8)
    assert close_to(rgb(picture, 960, 10), RED)


@pytest.mark.vlc
@vlc
def test_a_video_is_captured_from_libvlcs_snapshot_mid_item(platform, tmp_path):
    platform.add_media("clip.mp4", mp4_bytes(12.0, shade=200))
    platform.publish("e1", [platform.item("v", "clip.mp4", "VIDEO", duration=12)])

    with vlc_player(platform, tmp_path / "device") as recorder:
        wait_for(lambda: "v" in recorder.asset_sequence())
        facts, picture = ask_for_screenshot(platform, "shot-2")
        wait_for(lambda: "COMMAND_EXECUTED" in platform.event_types(), timeout=10)

    assert facts["source"] == "VIDEO_FRAME"
    assert picture.size == (1920, 1080)
    red, _, blue = rgb(picture, 960, 540)
    assert (abs(red - 200), abs(blue - 120)) < (40, 40)  # the clip's colour, decoded
    assert close_to(rgb(picture, 100, 540), (0, 0, 0), 8)  # 64x48 is 4:3 too


def test_a_portrait_screen_is_captured_upright_in_its_portrait_frame(tmp_path):
    still = tmp_path / "wide.jpg"
    still.write_bytes(jpeg((1600, 900), RED))
    backend = FakeBackend(lambda: 0.0)
    with pytest.raises(NothingOnScreenError):
        take_screenshot(backend, (1920, 1080), tmp_path)
    backend.set_orientation("PORTRAIT")
    backend.show_image(still)

    shot = take_screenshot(backend, (1920, 1080), tmp_path)

    picture = Image.open(io.BytesIO(shot.jpeg)).convert("RGB")
    assert picture.size == (1080, 1920)  # as viewers face the turned screen
    assert close_to(rgb(picture, 540, 960), RED)
    assert close_to(rgb(picture, 540, 100), (0, 0, 0), 8)  # bars above and below


def test_a_screenshot_that_cannot_be_taken_fails_with_the_reason(platform, make_player):
    platform.add_media("clip.mp4", mp4_bytes(30.0))
    platform.publish("e1", [platform.item("v", "clip.mp4", "VIDEO", duration=30)])
    h = make_player()
    h.run_until(lambda: "v" in h.recorder.asset_sequence())
    platform.state.commands.append({"commandId": "s9", "type": "CAPTURE_SCREENSHOT"})

    h.run_until(lambda: "s9" in platform.state.results)

    answer = platform.state.results["s9"]
    assert answer["status"] == "FAILED"
    assert "no video frame" in answer["error"]  # the fake screen has no pixels to take
    assert "s9" not in platform.state.screenshots
