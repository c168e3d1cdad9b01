"""The object storage interface the platform codes against (§32.3, §34.8).

Clients upload and players download straight from storage through signed, expiring URLs; the
API only signs. `LocalStorage` (disk + the API's media origin) and `S3Storage` (S3, MinIO,
moto; optionally behind a CDN) implement it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from signage.media.checksum import CHUNK_BYTES, ReadableStream
from signage.storage.atomic import atomic_write

# SigV4 presigned URLs live at most 7 days; both stores keep the same contract.
MAX_URL_LIFETIME = timedelta(days=7)
# type/subtype tokens only (RFC 9110): nothing that could add a line to a signed request.
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")


def utc_now() -> datetime:
    """Now in UTC: the default clock of presigned URLs."""
    return datetime.now(UTC)


class StorageError(Exception):
    """Object storage could not do what was asked."""


class ObjectNotFoundError(StorageError):
    """No object under that key."""


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    """A URL the client PUTs the file to, with the headers it must send unchanged."""

    url: str
    headers: Mapping[str, str]
    expires_at: datetime
    method: str = "PUT"


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """A stored object's size, quoted HTTP ETag and content type."""

    size: int
    etag: str
    content_type: str | None = None


class ObjectStorage(ABC):
    """Keys are made by `signage.storage.keys` and checked by every implementation."""

    @abstractmethod
    def presign_put(
        self, key: str, content_type: str, size: int, expires_at: datetime
    ) -> PresignedUpload:
        """A signed URL that accepts exactly one `size`-byte body of `content_type` until
        `expires_at` (§13 step 2: "file uploaded directly to storage")."""

    @abstractmethod
    def presign_get(self, key: str, expires_at: datetime) -> str:
        """A signed download URL valid until `expires_at` (the manifest's asset `url`)."""

    @abstractmethod
    def head(self, key: str) -> ObjectInfo | None:
        """The object's size and ETag, or None when there is no such object."""

    @abstractmethod
    def open_read(self, key: str) -> AbstractContextManager[ReadableStream]:
        """A stream of the object's bytes; raises `ObjectNotFoundError` when missing."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str) -> ObjectInfo:
        """Store a small object whole (thumbnails); readers never see it half-written."""

    @abstractmethod
    def put_file(self, key: str, path: Path, content_type: str) -> ObjectInfo:
        """Store a local file as the object, of any size; readers never see it half-written."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    @abstractmethod
    def list_keys(self, prefix: str) -> Iterator[str]:
        """The keys of the stored objects under `prefix` (a key prefix ending in "/")."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        return self.head(key) is not None

    def download_to(self, key: str, path: Path) -> int:
        """Copy the object to a local file atomically; returns the byte count."""
        written = 0
        with self.open_read(key) as source, atomic_write(path) as sink:
            for chunk in _chunks(source):
                sink.write(chunk)
                written += len(chunk)
        return written


def _chunks(source: ReadableStream) -> Iterator[bytes]:
    while chunk := source.read(CHUNK_BYTES):
        yield chunk


def check_upload_request(content_type: str, size: int, max_object_bytes: int) -> None:
    """What every store refuses to sign: a malformed content type, an empty or oversized body."""
    if not _CONTENT_TYPE.fullmatch(content_type):
        raise ValueError("content_type must be a plain type/subtype")
    if not 0 < size <= max_object_bytes:
        raise ValueError(f"size must be between 1 and {max_object_bytes} bytes")


def check_url_lifetime(expires_at: datetime, now: datetime) -> timedelta:
    """How long a URL expiring at `expires_at` lives; refuses naive, past or over-long expiries."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware (UTC)")
    lifetime = expires_at - now
    if lifetime <= timedelta(0) or lifetime > MAX_URL_LIFETIME:
        raise ValueError("a signed URL must expire in the future and within 7 days")
    return lifetime
