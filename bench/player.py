"""Player benchmarks: first frame from a warm cache, and memory over many item transitions.

    .venv/bin/python -m bench.player [--transitions 10000] [--runs 3] [--vlc-transitions 300]

1. Start-up: `python -m player --headless` with a warm cache and no reachable API, timed from
   process start to the player's "first frame on screen" log line; beside it, a bare python-vlc
   script showing the same file (process start → MediaPlayerPlaying). Both include interpreter
   start-up and libVLC initialisation.
2. Memory: resident set size of an in-process Player after 100 and after N item transitions.
   Transitions use the FakeBackend (no libVLC) on a manual clock: with real libVLC each image
   would cost its real display time, so 10,000 transitions would take hours.
3. The real player on libVLC (image + 0.5 s video, offline): the delay between libVLC's Ended
   for the video and Playing for the next item — the only moment the picture can go stale.
4. Optional (--vlc-transitions N): the libVLC backend alone switching between two 0.3 s clips
   N times, RSS after 100 and after N: libVLC's own growth across media changes.
Prints figures only; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from player.app import Player, PlayerConfig
from player.cache_index import CacheIndex, IndexedAsset
from player.clock import ManualClock, SystemClock
from player.media_backend import FakeBackend
from player.store import DataDir, ManifestSlot
from player.wire import Manifest

OFFLINE_API = "http://127.0.0.1:9"  # discard port: connection refused, the player stays offline


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1280, 720), (shade, 90, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


def warm_data_dir(root: Path, files: list[tuple[str, str, bytes]]) -> list[Path]:
    """A paired device whose current manifest's (assetId, type, bytes) files are all cached."""
    store = DataDir(root)
    store.write_token("bench-token")
    index = CacheIndex(store.cache_db)
    items, paths = [], []
    for asset_id, kind, data in files:
        checksum = hashlib.sha256(data).hexdigest()
        path = store.assets_dir / f"{asset_id}.{'mp4' if kind == 'VIDEO' else 'jpg'}"
        path.write_bytes(data)
        paths.append(path)
        index.put(IndexedAsset(asset_id, len(data), checksum, path, 0.0))
        items.append(
            {
                "assetId": asset_id,
                "type": kind,
                "url": f"{OFFLINE_API}/{path.name}",
                "checksumSha256": checksum,
                "durationSeconds": 1,
                "widthPx": 1280,
                "heightPx": 720,
                "fileSizeBytes": len(data),
            }
        )
    index.close()
    body = {
        "manifestEtag": "bench",
        "validToUtc": "2099-01-01T00:00:00Z",
        "nextCheckSeconds": 60,
        "settings": {},
        "playlist": {"playlistId": "pl", "publishedVersion": 1, "items": items},
    }
    store.save_manifest(ManifestSlot.CURRENT, Manifest.from_json(body))
    return paths


def images(count: int) -> list[tuple[str, str, bytes]]:
    return [(f"img{n}", "IMAGE", jpeg(40 * n)) for n in range(count)]


def seconds_until_line(command: list[str], marker: str, timeout: float = 30.0) -> float:
    """Wall seconds from process start until a stderr/stdout line containing `marker`."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if marker in line:
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                break
        return float("nan")
    finally:
        process.terminate()
        process.wait(timeout=10)


BARE_VLC = textwrap.dedent(
    """
    import sys, threading, vlc
    shown = threading.Event()
    instance = vlc.Instance(["--vout=dummy", "--aout=dummy", "--no-video-title-show", "--quiet"])
    player = instance.media_player_new()
    media = instance.media_new_path(sys.argv[1])
    media.add_option(":image-duration=-1")
    player.event_manager().event_attach(
        vlc.EventType.MediaPlayerPlaying, lambda event: shown.set()
    )
    player.set_media(media)
    player.play()
    shown.wait(30)
    print("BARE FIRST FRAME", flush=True)
    """
)


def bench_first_frame(runs: int) -> None:
    player_times, bare_times = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            image = warm_data_dir(Path(tmp), images(3))[0]
            player_cmd = [sys.executable, "-m", "player", "--headless", "--data-dir", tmp,
                          "--api-url", OFFLINE_API, "--log-level", "INFO"]  # fmt: skip
            player_times.append(seconds_until_line(player_cmd, "first frame on screen"))
            bare_cmd = [sys.executable, "-c", BARE_VLC, str(image)]
            bare_times.append(seconds_until_line(bare_cmd, "BARE FIRST FRAME"))
    player_best, bare_best = min(player_times), min(bare_times)
    print(f"first frame, warm cache (best of {runs}):")
    print(f"  python -m player --headless   {player_best * 1000:7.0f} ms")
    print(f"  bare python-vlc, same file    {bare_best * 1000:7.0f} ms")
    print(f"  player overhead               {(player_best - bare_best) * 1000:7.0f} ms "
          f"({player_best / bare_best:.2f}x)")  # fmt: skip


def bench_memory(transitions: int) -> None:
    logging.getLogger("player").setLevel(logging.ERROR)  # offline on purpose: no warnings
    with tempfile.TemporaryDirectory() as tmp:
        warm_data_dir(Path(tmp), images(5))
        clock = ManualClock(datetime(2026, 6, 15, 12, 0, tzinfo=UTC))
        backend = FakeBackend(clock.monotonic, sleep=clock.sleep)
        config = PlayerConfig(data_dir=Path(tmp), api_url=OFFLINE_API)
        player = Player(config, backend, clock)
        player.start()
        readings: dict[int, float] = {}
        started = time.perf_counter()
        while backend.started < transitions:
            clock.advance(1.0)  # every image lasts 1 s: one transition per tick
            player.tick()
            if backend.started in (100, transitions) and backend.started not in readings:
                readings[backend.started] = rss_mib()
        elapsed = time.perf_counter() - started
        player.close(clean=True)
    print(f"resident memory, FakeBackend (no libVLC), {elapsed:.1f} s of CPU-bound loop:")
    print(f"  after {100:>6} transitions   {readings[100]:7.1f} MiB")
    print(f"  after {transitions:>6} transitions   {readings[transitions]:7.1f} MiB")
    print(f"  growth                       {readings[transitions] - readings[100]:7.1f} MiB")


def tiny_mp4(path: Path, frames: int = 3, fps: int = 10) -> Path:
    import av  # PyAV bundles libx264; only this optional part of the bench needs it

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(frames):
            image = Image.new("RGB", (64, 48), (index * 60, 80, 120))
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def bench_vlc_transitions(transitions: int) -> None:
    """Real libVLC memory over back-to-back 0.3 s videos (the backend alone, no controller)."""
    from player.media_backend import BackendEventKind, VlcBackend

    with tempfile.TemporaryDirectory() as tmp:
        clips = [tiny_mp4(Path(tmp) / f"{n}.mp4") for n in range(2)]
        backend = VlcBackend(headless=True)
        readings: dict[int, float] = {}
        gaps: list[float] = []  # libVLC's Ended of one clip → Playing of the next
        ended_at: float | None = None
        started = time.perf_counter()
        for count in range(1, transitions + 1):
            generation = backend.play_video(clips[count % 2])
            while True:
                events = [e for e in backend.poll_events() if e.generation == generation]
                playing = [e.at for e in events if e.kind is BackendEventKind.PLAYING]
                if playing and ended_at is not None:
                    gaps.append(playing[0] - ended_at)
                    ended_at = None
                finished = [e.at for e in events if e.kind is not BackendEventKind.PLAYING]
                if finished:
                    ended_at = finished[0]
                    break
                time.sleep(0.005)
            if count in (100, transitions):
                readings[count] = rss_mib()
        backend.close()
    elapsed = time.perf_counter() - started
    gaps.sort()
    print(f"real libVLC (dummy outputs), {transitions} clip changes in {elapsed:.1f} s:")
    for count, reading in readings.items():
        print(f"  RSS after {count:>6} transitions   {reading:7.1f} MiB")
    print(f"  Ended → next Playing: median {gaps[len(gaps) // 2] * 1000:.0f} ms, "
          f"max {gaps[-1] * 1000:.0f} ms (includes this loop's 5 ms polling)")  # fmt: skip


def bench_player_video_gaps(loops: int) -> None:
    """The real player on libVLC: from a video's Ended to the next item's Playing."""
    from player.media_backend import BackendEvent, BackendEventKind, VlcBackend

    class TimedVlc(VlcBackend):
        def __init__(self) -> None:
            super().__init__(headless=True)
            self.seen: list[BackendEvent] = []

        def poll_events(self) -> list[BackendEvent]:
            events = super().poll_events()
            self.seen.extend(events)
            return events

    with tempfile.TemporaryDirectory() as tmp:
        clip = tiny_mp4(Path(tmp) / "clip.mp4", frames=5).read_bytes()
        files = [("img0", "IMAGE", jpeg(10)), ("clip", "VIDEO", clip)]
        warm_data_dir(Path(tmp) / "device", files)
        backend = TimedVlc()
        player = Player(
            PlayerConfig(data_dir=Path(tmp) / "device", api_url=OFFLINE_API), backend, SystemClock()
        )
        stop = threading.Event()
        loop = threading.Thread(target=player.run, args=(stop,))
        loop.start()
        time.sleep(loops * 1.6)
        stop.set()
        loop.join()
    ended = {e.generation: e.at for e in backend.seen if e.kind is BackendEventKind.ENDED}
    playing = {e.generation: e.at for e in backend.seen if e.kind is BackendEventKind.PLAYING}
    gaps = sorted(playing[g + 1] - at for g, at in ended.items() if g + 1 in playing)
    if not gaps:
        print("real player: no video ended during the run")
        return
    print(f"real player on libVLC, {len(gaps)} video → image transitions:")
    print(f"  Ended → next Playing: median {gaps[len(gaps) // 2] * 1000:.0f} ms, "
          f"max {gaps[-1] * 1000:.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--vlc-transitions", type=int, default=0, help="also measure real libVLC (~0.2 s each)"
    )
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    bench_first_frame(args.runs)
    bench_memory(args.transitions)
    bench_player_video_gaps(loops=5)
    if args.vlc_transitions >= 100:
        bench_vlc_transitions(args.vlc_transitions)
    print("figures only; compare runs on an idle machine")


if __name__ == "__main__":
    main()
