"""Streaming SHA-256 (§13: "Checksum stored for cache validation"; players verify it, §27.8.1)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

CHUNK_BYTES = 1024 * 1024


class ReadableStream(Protocol):
    """Anything with `read(n)`: a file, an S3 streaming body."""

    def read(self, size: int = -1, /) -> bytes: ...


def sha256_stream(stream: ReadableStream) -> str:
    """Hex SHA-256 of everything left in `stream`, read in bounded chunks."""
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a local file, without loading it whole."""
    with path.open("rb") as stream:
        return sha256_stream(stream)
