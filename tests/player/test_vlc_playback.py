"""Real libVLC (dummy outputs) playing real media, in-process and as `python -m player`."""

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from player.app import Player, PlayerConfig
from player.clock import SystemClock
from player.recorder import ScreenKind, ScreenRecorder
from player.store import DataDir
from tests.player.harness import publish_abc
from tests.player.media import image_bytes


def libvlc_usable() -> bool:
    try:
        import vlc

        instance = vlc.Instance(["--vout=dummy", "--aout=dummy", "--quiet"])
    except (ImportError, OSError, NotImplementedError, NameError, AttributeError):
        return False
    if instance is None:
        return False
    instance.release()
    return True


pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_usable(), reason="libVLC is not installed"),
]


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def failed_reports(platform):
    return [e for e in platform.state.events if e["eventType"] == "PLAYBACK_FAILED"]


def test_libvlc_plays_images_for_their_time_and_videos_to_the_end(platform, tmp_path):
    from player.media_backend import VlcBackend

    publish_abc(platform)
    platform.add_media("bad.mp4", b"\x00not a video" * 100)
    items = platform.state.manifest["playlist"]["items"]
    items.insert(2, platform.item("bad", "bad.mp4", "VIDEO"))
    platform.state.token = "tok"
    recorder = ScreenRecorder()
    config = PlayerConfig(data_dir=tmp_path, api_url=platform.url, events_flush_seconds=1)
    DataDir(tmp_path).write_token("tok")
    player = Player(config, VlcBackend(headless=True), SystemClock(), recorder)
    stop = threading.Event()
    loop = threading.Thread(target=player.run, args=(stop,))
    loop.start()
    try:
        wait_for(
            lambda: recorder.asset_sequence().count("a") >= 3 and failed_reports(platform),
            timeout=40,
        )
    finally:
        stop.set()
        loop.join()
    sequence = [a for a in recorder.asset_sequence() if a != "bad"]
    first = sequence.index("a")
    assert sequence[first : first + 6] == ["a", "b", "c", "a", "b", "c"]
    start = recorder.first_content_at()
    assert start is not None
    blank = recorder.seconds_showing({ScreenKind.BLANK, ScreenKind.ERROR}, start, time.monotonic())
    assert blank == 0
    frames = [f for f in recorder.frames() if f.asset_id]
    video = [b.at - a.at for a, b in itertools.pairwise(frames) if a.asset_id == "c"]
    assert min(video) >= 0.8  # the 1 s video ran to its end, not cut short
    assert failed_reports(platform)[0]["payload"]["assetId"] == "bad"


def test_killed_mid_download_the_player_resumes_with_range_and_plays(platform, tmp_path):
    platform.add_media("a.jpg", image_bytes((200, 0, 0)))
    big = image_bytes((0, 0, 200), "PNG") + b"\0" * 400_000  # bytes after IEND are ignored
    platform.add_media("big.png", big)
    platform.publish(
        "e1", [platform.item("a", "a.jpg", "IMAGE"), platform.item("big", "big.png", "IMAGE")]
    )
    platform.state.throttle_bytes_per_second = 100_000
    platform.state.token = "tok"
    data_dir = tmp_path / "device"
    data_dir.mkdir()
    (data_dir / "token").write_text("tok")
    os.chmod(data_dir / "token", 0o600)
    command = [sys.executable, "-m", "player", "--headless", "--data-dir", str(data_dir),
               "--api-url", platform.url, "--log-level", "INFO"]  # fmt: skip
    partial = data_dir / "downloads" / "big.part"
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: partial.exists() and partial.stat().st_size > 50_000)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert partial.stat().st_size < len(big)
    platform.state.throttle_bytes_per_second = None
    second = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        state_file = data_dir / "state.json"

        def playing_big() -> bool:
            if not state_file.exists():
                return False
            return json.loads(state_file.read_text())["current_asset_id"] == "big"

        wait_for(playing_big)
    finally:
        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=20)
    assert second.returncode == 0
    assert platform.state.range_requests >= 1
    assert "tok" not in errors  # the token never reaches the logs
    assert "state" in errors  # state changes are logged


def test_portrait_orientation_plays_through_the_transform_filter(tmp_path):
    from player.media_backend import BackendEventKind, VlcBackend

    image = tmp_path / "p.png"
    image.write_bytes(image_bytes((10, 200, 10), "PNG"))
    backend = VlcBackend(headless=True)
    try:
        backend.set_orientation("PORTRAIT")
        generation = backend.show_image(image)
        events: list = []

        def playing() -> bool:
            events.extend(backend.poll_events())
            return bool(events)

        wait_for(playing, timeout=10)
    finally:
        backend.close()
    assert events[0].generation == generation
    assert events[0].kind is BackendEventKind.PLAYING


def test_three_killed_starts_put_the_next_one_in_safe_mode(platform, tmp_path):
    data_dir = tmp_path / "device"
    command = [sys.executable, "-m", "player", "--headless", "--data-dir", str(data_dir),
               "--api-url", platform.url]  # fmt: skip
    boots, state = data_dir / "boots.json", data_dir / "state.json"
    for expected_boots in (1, 2, 3):
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda n=expected_boots: len(_read(boots, [])) == n)
            wait_for(lambda n=expected_boots: _read(state, {}).get("safe_mode") is (n == 3))
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()


def _read(path, default):
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return default
