from __future__ import annotations

import hashlib
import io
from pathlib import Path

from signage.media.checksum import CHUNK_BYTES, sha256_file, sha256_stream


def test_file_checksum_matches_hashlib_across_chunk_boundaries(tmp_path: Path) -> None:
    data = bytes(range(256)) * (CHUNK_BYTES // 256 * 2 + 3)
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_stream_checksum_of_empty_stream_is_the_empty_digest() -> None:
    assert sha256_stream(io.BytesIO(b"")) == hashlib.sha256(b"").hexdigest()
