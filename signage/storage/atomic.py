"""Atomic file writes: bytes go to a hidden temp file beside the target, then one rename.

Readers see the old file or the whole new one, never a partial object; a failed or abandoned
write leaves nothing behind (§33.3.4 asks the same of the player's downloads).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_SUFFIX = ".part"


class AtomicFile:
    """A pending file: `write` what you have, then `commit` (rename into place) or `discard`."""

    def __init__(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        # A leading dot keeps temp names outside the key grammar: never served, never a key.
        handle, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX
        )
        self.target = target
        self._temp_path = Path(temp_name)
        self._stream = os.fdopen(handle, "wb")
        self._finished = False

    def write(self, data: bytes) -> None:
        self._stream.write(data)

    def commit(self) -> None:
        """Make the bytes durable, then replace the target in one step."""
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self._stream.close()
        self._temp_path.replace(self.target)
        self._finished = True

    def discard(self) -> None:
        """Drop the pending bytes; a no-op after `commit`."""
        if self._finished:
            return
        self._stream.close()
        self._temp_path.unlink(missing_ok=True)
        self._finished = True


@contextmanager
def atomic_write(target: Path) -> Iterator[AtomicFile]:
    """An `AtomicFile` that commits when the block exits cleanly and is discarded otherwise."""
    pending = AtomicFile(target)
    try:
        yield pending
        pending.commit()
    finally:
        pending.discard()
