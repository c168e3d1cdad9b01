"""The download manager against the fake media origin (no controller involved)."""

import threading
import time

import httpx

from player.cache_index import CacheIndex
from player.downloads import DownloadManager, partial_path, remove_partial_files
from player.wire import ManifestItem
from tests.player.media import image_bytes


class CountedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, on_close) -> None:
        self.inner = inner
        self.on_close = on_close

    def __iter__(self):
        yield from self.inner

    def close(self) -> None:
        self.on_close()
        self.inner.close()


class CountingTransport(httpx.HTTPTransport):
    """Counts requests whose body is still being read: the client-side concurrency."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.open = 0
        self.peak = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        with self.lock:
            self.open += 1
            self.peak = max(self.peak, self.open)
        response.stream = CountedStream(response.stream, self.closed)
        return response

    def closed(self) -> None:
        with self.lock:
            self.open -= 1


def manager(tmp_path, max_concurrent=2, transport=None):
    index = CacheIndex(tmp_path / "cache.sqlite")
    (tmp_path / "assets").mkdir()
    (tmp_path / "part").mkdir()
    clock = [0.0]
    downloads = DownloadManager(
        tmp_path / "assets",
        tmp_path / "part",
        index,
        monotonic=lambda: clock[0],
        wall_time=time.time,
        max_concurrent=max_concurrent,
        transport=transport,
    )
    return downloads, index, clock


def wait_results(downloads, expected, timeout=20.0):
    done: list[str] = []
    failed: list = []
    deadline = time.monotonic() + timeout
    while len(done) + len(failed) < expected and time.monotonic() < deadline:
        more_done, more_failed = downloads.take_results()
        done += more_done
        failed += more_failed
        time.sleep(0.01)
    return done, failed


def item(platform, name, data):
    platform.add_media(name, data)
    return ManifestItem.from_json(platform.item(name.split(".")[0], name, "IMAGE"))


def test_concurrency_is_limited(platform, tmp_path):
    counting = CountingTransport()
    downloads, _, _ = manager(tmp_path, max_concurrent=2, transport=counting)
    platform.state.throttle_bytes_per_second = 400_000
    items = [item(platform, f"i{n}.png", image_bytes((n, 0, 0), "PNG") + b"\0" * 60_000)
             for n in range(5)]  # fmt: skip
    for each in items:
        assert downloads.submit(each)
    assert not downloads.submit(items[0])  # already queued
    done, failed = wait_results(downloads, 5)
    downloads.close()
    assert sorted(done) == [f"i{n}" for n in range(5)]
    assert not failed
    assert counting.peak == 2


def test_resumes_a_partial_file_with_a_range_request(platform, tmp_path):
    downloads, index, _ = manager(tmp_path)
    data = image_bytes((5, 5, 5), "PNG") + b"\0" * 10_000
    target = item(platform, "r.png", data)
    partial_path(tmp_path / "part", "r").write_bytes(data[:4000])
    downloads.submit(target)
    done, _ = wait_results(downloads, 1)
    downloads.close()
    assert done == ["r"]
    assert platform.state.range_requests == 1
    cached = index.get("r")
    assert cached is not None
    assert cached.path.read_bytes() == data


def test_a_wrong_partial_file_is_discarded_and_the_retry_waits_for_its_backoff(platform, tmp_path):
    downloads, index, clock = manager(tmp_path)
    data = image_bytes((6, 6, 6), "PNG")
    target = item(platform, "w.png", data)
    partial_path(tmp_path / "part", "w").write_bytes(b"garbage")
    downloads.submit(target)
    _, failed = wait_results(downloads, 1)
    assert [f.reason for f in failed] == ["CHECKSUM_MISMATCH"]
    assert not partial_path(tmp_path / "part", "w").exists()
    assert not downloads.submit(target)  # backing off
    clock[0] += 10
    assert downloads.submit(target)
    done, _ = wait_results(downloads, 1)
    downloads.close()
    assert done == ["w"]
    assert index.get("w") is not None


def test_partial_files_nobody_wants_are_removed(tmp_path):
    partial_path(tmp_path, "keep").write_bytes(b"1")
    partial_path(tmp_path, "drop").write_bytes(b"2")
    remove_partial_files(tmp_path, frozenset({"keep"}))
    assert [p.name for p in tmp_path.iterdir()] == ["keep.part"]
