"""Asset downloads on background threads (§28.9, §33.3.4): never on the playback loop.

Each download goes to `downloads/<id>.part`, resumes with an HTTP Range request after an
interruption, is verified against the manifest's SHA-256 and only then renamed into
`assets/` and indexed. A failure is recorded with a backoff time; the controller re-queues it
later (§28.9 "failures marked for retry later").
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from player.cache_index import CacheIndex, IndexedAsset
from player.store import fsync_directory
from player.sync_policy import backoff_seconds
from player.wire import ManifestItem

if TYPE_CHECKING:
    import httpx

DEFAULT_CONCURRENCY = 2  # §33.9: low-resource devices, variable networks
CHUNK_BYTES = 64 * 1024
PERMANENT_AFTER_ATTEMPTS = 5  # then staging may reject a manifest that needs only this asset
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class DownloadError(Exception):
    """One attempt failed; `http_status` is None for network or integrity failures."""

    def __init__(self, reason: str, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


class _CancelledError(Exception):
    pass


@dataclass(frozen=True)
class DownloadFailure:
    """What the controller reports as DOWNLOAD_FAILED (§27.8.3)."""

    item: ManifestItem
    http_status: int | None
    reason: str
    retry_count: int


@dataclass
class _RetryState:
    attempts: int
    retry_at: float


def asset_file_name(item: ManifestItem) -> str:
    """`<assetId>-<checksum prefix><ext>`: a new version never overwrites the playing file."""
    suffix = PurePosixPath(urlsplit(item.url).path).suffix.lower()
    if not suffix or len(suffix) > 6:
        suffix = ".mp4" if item.type == "VIDEO" else ".img"
    return f"{_SAFE_NAME.sub('_', item.asset_id)}-{item.checksum_sha256[:12]}{suffix}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


class DownloadManager:
    """A bounded pool of download workers with per-asset retry bookkeeping."""

    def __init__(
        self,
        assets_dir: Path,
        partial_dir: Path,
        index: CacheIndex,
        monotonic: Callable[[], float],
        wall_time: Callable[[], float],
        max_concurrent: int = DEFAULT_CONCURRENCY,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._assets_dir = assets_dir
        self._partial_dir = partial_dir
        self._index = index
        self._monotonic = monotonic
        self._wall_time = wall_time  # LRU timestamps must survive restarts (§11.2)
        import httpx  # lazily, like the API client: the first frame does not wait for it

        self._network_errors: tuple[type[Exception], ...] = (httpx.HTTPError, OSError)
        self._client = httpx.Client(
            timeout=httpx.Timeout(30.0, connect=5.0), follow_redirects=True, transport=transport
        )
        self._pool = ThreadPoolExecutor(max_concurrent, thread_name_prefix="download")
        self._lock = threading.Lock()
        self._running: dict[str, Future[None]] = {}
        self._retries: dict[str, _RetryState] = {}
        self._failures: list[DownloadFailure] = []
        self._completed: list[str] = []
        self._stopping = threading.Event()

    # ---- controller side -----------------------------------------------------------------

    def submit(self, item: ManifestItem) -> bool:
        """Queue `item` unless it is running or still backing off; True when queued."""
        with self._lock:
            if item.asset_id in self._running or self._stopping.is_set():
                return False
            retry = self._retries.get(item.asset_id)
            if retry is not None and self._monotonic() < retry.retry_at:
                return False
            self._running[item.asset_id] = self._pool.submit(self._run, item)
            return True

    def busy(self) -> frozenset[str]:
        """Asset ids downloading now (queued or running)."""
        with self._lock:
            return frozenset(self._running)

    def failed_permanently(self) -> frozenset[str]:
        """Assets that failed often enough to count as unavailable for staging (§28.5)."""
        with self._lock:
            return frozenset(
                asset_id
                for asset_id, retry in self._retries.items()
                if retry.attempts >= PERMANENT_AFTER_ATTEMPTS
            )

    def take_results(self) -> tuple[list[str], list[DownloadFailure]]:
        """Completed asset ids and failures since the last call."""
        with self._lock:
            completed, self._completed = self._completed, []
            failures, self._failures = self._failures, []
        return completed, failures

    def retry_afresh(self, asset_ids: frozenset[str]) -> None:
        """Forget these assets' failures: a manifest staged again after a rejection gets its
        files tried anew, since the fault that failed them (a corrupting network) may be gone."""
        with self._lock:
            for asset_id in asset_ids:
                self._retries.pop(asset_id, None)

    def forget_failures(self) -> None:
        """Retry everything at once (e.g. when the network comes back)."""
        with self._lock:
            for retry in self._retries.values():
                retry.retry_at = 0.0

    def close(self) -> None:
        """Stop workers at the next chunk; partial files stay for a later Range resume."""
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._client.close()

    # ---- worker side ---------------------------------------------------------------------

    def _run(self, item: ManifestItem) -> None:
        failure: DownloadError | None = None
        try:
            self._fetch_verified(item)
        except _CancelledError:
            pass  # shutting down: the .part file stays for a Range resume
        except DownloadError as exc:
            failure = exc
        except self._network_errors as exc:
            failure = DownloadError(type(exc).__name__)
        self._finish(item, failure)

    def _finish(self, item: ManifestItem, failure: DownloadError | None) -> None:
        with self._lock:
            self._running.pop(item.asset_id, None)
            if failure is None:
                if not self._stopping.is_set():
                    self._retries.pop(item.asset_id, None)
                    self._completed.append(item.asset_id)
                return
            attempts = self._retries.get(item.asset_id, _RetryState(0, 0.0)).attempts + 1
            retry_at = self._monotonic() + backoff_seconds(attempts, jitter=0.5)
            self._retries[item.asset_id] = _RetryState(attempts, retry_at)
            self._failures.append(
                DownloadFailure(item, failure.http_status, failure.reason, attempts - 1)
            )

    def _fetch_verified(self, item: ManifestItem) -> None:
        partial = partial_path(self._partial_dir, item.asset_id)
        self._fetch_to(item, partial)
        if sha256_of(partial) != item.checksum_sha256:
            partial.unlink()  # never resume from bytes that are already wrong
            raise DownloadError("CHECKSUM_MISMATCH")
        final = self._assets_dir / asset_file_name(item)
        os.replace(partial, final)
        fsync_directory(final.parent)
        self._index.put(
            IndexedAsset(
                item.asset_id,
                final.stat().st_size,
                item.checksum_sha256,
                final,
                last_played=self._wall_time(),
            )
        )

    def _fetch_to(self, item: ManifestItem, partial: Path) -> None:
        offset = partial.stat().st_size if partial.exists() else 0
        if offset > item.file_size_bytes > 0:
            partial.unlink()  # longer than the asset can be: start over
            offset = 0
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        with self._client.stream("GET", item.url, headers=headers) as response:
            if response.status_code == 416:
                # Already have every byte (or a bad part): the checksum decides.
                return
            if response.status_code not in (200, 206):
                raise DownloadError(f"HTTP {response.status_code}", response.status_code)
            resumed = response.status_code == 206
            if resumed and not _range_starts_at(response.headers.get("content-range"), offset):
                partial.unlink()  # the server answered a different range: start over
                raise DownloadError("BAD_CONTENT_RANGE", response.status_code)
            mode = "ab" if resumed else "wb"
            with partial.open(mode) as handle:
                for chunk in response.iter_bytes():  # unbuffered: a cut keeps what arrived
                    if self._stopping.is_set():
                        raise _CancelledError
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())


def _range_starts_at(content_range: str | None, offset: int) -> bool:
    return content_range is not None and content_range.startswith(f"bytes {offset}-")


def partial_path(partial_dir: Path, asset_id: str) -> Path:
    """Where an interrupted download of `asset_id` waits for its Range resume."""
    return partial_dir / f"{_SAFE_NAME.sub('_', asset_id)}.part"


def remove_partial_files(partial_dir: Path, keep: frozenset[str]) -> None:
    """Delete `.part` files of assets (ids) not in `keep`: no manifest wants them any more."""
    wanted = {partial_path(partial_dir, asset_id) for asset_id in keep}
    for path in partial_dir.glob("*.part"):
        if path not in wanted:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
