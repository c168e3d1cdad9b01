"""Objects as files under the media directory, delivered by the API's signed media origin.

The embedded default (DESIGN.md "real parts, embedded defaults"): URLs point at
`{api_base_url}/media/{key}` and carry an expiry and an HMAC signature, so the origin behaves
like a CDN in front of S3. Several API replicas share it when the media directory is shared.
"""

from __future__ import annotations

import math
import mimetypes
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO
from urllib.parse import urlencode

from signage.config import Settings
from signage.media.checksum import CHUNK_BYTES, ReadableStream
from signage.storage.atomic import AtomicFile, atomic_write
from signage.storage.base import (
    ObjectInfo,
    ObjectNotFoundError,
    ObjectStorage,
    PresignedUpload,
    check_upload_request,
    check_url_lifetime,
    utc_now,
)
from signage.storage.keys import InvalidKeyError, validate_key
from signage.storage.signing import SignedRequest, UrlSigner

MEDIA_MOUNT_PATH = "/media"


class LocalStorage(ObjectStorage):
    """Files under `root`; signed URLs served by `api.media_origin`."""

    def __init__(
        self,
        root: Path,
        *,
        public_base_url: str,
        signing_secret: str,
        max_object_bytes: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.root = root.resolve()
        self.max_object_bytes = max_object_bytes
        self._media_base_url = public_base_url.rstrip("/") + MEDIA_MOUNT_PATH
        self._signer = UrlSigner(signing_secret)
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalStorage:
        return cls(
            settings.media_dir,
            public_base_url=settings.api_base_url,
            signing_secret=settings.jwt_secret_value(),
            max_object_bytes=settings.max_upload_bytes,
        )

    # -- signed URLs ------------------------------------------------------------------------

    def presign_put(
        self, key: str, content_type: str, size: int, expires_at: datetime
    ) -> PresignedUpload:
        check_upload_request(content_type, size, self.max_object_bytes)
        request = SignedRequest(
            "PUT", validate_key(key), self._expiry(expires_at), content_type, size
        )
        query = {"expires": request.expires, "size": size, "sig": self._signer.sign(request)}
        return PresignedUpload(
            url=f"{self._media_base_url}/{key}?{urlencode(query)}",
            headers={"Content-Type": content_type},
            expires_at=expires_at,
        )

    def presign_get(self, key: str, expires_at: datetime) -> str:
        request = SignedRequest("GET", validate_key(key), self._expiry(expires_at))
        query = {"expires": request.expires, "sig": self._signer.sign(request)}
        return f"{self._media_base_url}/{key}?{urlencode(query)}"

    def signature_matches(self, request: SignedRequest, signature: str) -> bool:
        """Whether `signature` was made by this store for exactly `request` (the origin asks)."""
        return self._signer.verify(request, signature)

    def _expiry(self, expires_at: datetime) -> int:
        check_url_lifetime(expires_at, self._clock())
        return math.ceil(expires_at.timestamp())  # like S3's: never shorter than asked

    # -- objects ----------------------------------------------------------------------------

    def path_for(self, key: str) -> Path:
        """The file that holds `key`; raises `InvalidKeyError` for anything outside the root."""
        path = self.root / validate_key(key)
        if not path.resolve().is_relative_to(self.root):  # a symlink must not lead out either
            raise InvalidKeyError("storage key resolves outside the media root")
        return path

    def head(self, key: str) -> ObjectInfo | None:
        try:
            stat = self.path_for(key).stat()
        except FileNotFoundError:
            return None
        return _describe(key, stat) if S_ISREG(stat.st_mode) else None

    def open_object(self, key: str) -> tuple[BinaryIO, ObjectInfo]:
        """An open file and the description of exactly that file (the caller closes it).

        Described from the open descriptor, so a concurrent replace cannot pair one file's
        ETag with another's bytes.
        """
        try:
            stream = self.path_for(key).open("rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ObjectNotFoundError(key) from exc
        return stream, _describe(key, os.fstat(stream.fileno()))

    def open_read(self, key: str) -> AbstractContextManager[ReadableStream]:
        return self._reading(key)

    @contextmanager
    def _reading(self, key: str) -> Iterator[BinaryIO]:
        stream, _ = self.open_object(key)
        with stream:
            yield stream

    def begin_write(self, key: str, *, replace: bool = True) -> AtomicFile:
        """A pending object for `key`: it appears whole on `commit()`, or not at all. With
        `replace=False` the commit raises `FileExistsError` when `key` is already stored."""
        return AtomicFile(self.path_for(key), replace=replace)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> ObjectInfo:
        with atomic_write(self.path_for(key)) as sink:
            sink.write(data)
        return self._stored(key)

    def put_file(self, key: str, path: Path, content_type: str) -> ObjectInfo:
        with path.open("rb") as source, atomic_write(self.path_for(key)) as sink:
            while chunk := source.read(CHUNK_BYTES):
                sink.write(chunk)
        return self._stored(key)

    def _stored(self, key: str) -> ObjectInfo:
        info = self.head(key)
        assert info is not None
        return info

    def list_keys(self, prefix: str) -> Iterator[str]:
        directory = self.path_for(prefix.rstrip("/"))
        for path in sorted(directory.rglob("*")) if directory.is_dir() else []:
            relative = path.relative_to(self.root).as_posix()
            # Complete objects only: the atomic writers' temp files are dot-named.
            if path.is_file() and not path.name.startswith("."):
                yield relative

    def delete(self, key: str) -> None:
        path = self.path_for(key)
        path.unlink(missing_ok=True)
        self._prune_empty_parents(path.parent)

    def _prune_empty_parents(self, directory: Path) -> None:
        # Best effort: a sibling object or a concurrent write keeps the directory.
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent


def _describe(key: str, stat: os.stat_result) -> ObjectInfo:
    return ObjectInfo(
        size=stat.st_size,
        # Like nginx's: changes whenever the file is replaced (each atomic write is a new inode).
        etag=f'"{stat.st_mtime_ns:x}-{stat.st_ino:x}-{stat.st_size:x}"',
        content_type=content_type_for(key),
    )


def content_type_for(key: str) -> str:
    """The Content-Type to serve a key with, from its extension (keys.extension_for)."""
    guessed, _ = mimetypes.guess_type(key, strict=False)
    return guessed or "application/octet-stream"
