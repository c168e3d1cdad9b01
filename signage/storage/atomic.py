"""Atomic file writes: bytes go to a hidden temp file beside the target, then one rename.

Readers see the old file or the whole new one, never a partial object; a failed or abandoned
write leaves nothing behind (§33.3.4 asks the same of the player's downloads).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_SUFFIX = ".part"


class AtomicFile:
    """A pending file: `write` what you have, then `commit` (rename into place) or `discard`.

    With `replace=False` the commit never replaces an existing target: it raises
    `FileExistsError` instead, even when two writers race (a hard link is created atomically
    or not at all). Signed uploads use that to make an upload URL single-use.
    """

    def __init__(self, target: Path, *, replace: bool = True) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        # A leading dot keeps temp names outside the key grammar: never served, never a key.
        handle, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX
        )
        self.target = target
        self._replace = replace
        self._temp_path = Path(temp_name)
        self._stream = os.fdopen(handle, "wb")
        self._finished = False

    def write(self, data: bytes) -> None:
        self._stream.write(data)

    def commit(self) -> None:
        """Make the bytes durable, then put them at the target in one step."""
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self._stream.close()
        if self._replace:
            self._temp_path.replace(self.target)
            self._finished = True
            return
        os.link(self._temp_path, self.target)  # FileExistsError if anything is there
        self._finished = True
        with contextlib.suppress(OSError):  # the object is stored; a stray temp is harmless
            self._temp_path.unlink()

    def discard(self) -> None:
        """Drop the pending bytes; a no-op after `commit`. Never raises: it runs on the way
        out of a failed write, whose own error is the one worth reporting."""
        if self._finished:
            return
        self._finished = True
        with contextlib.suppress(OSError):
            self._stream.close()
        with contextlib.suppress(OSError):
            self._temp_path.unlink(missing_ok=True)


@contextmanager
def atomic_write(target: Path) -> Iterator[AtomicFile]:
    """An `AtomicFile` that commits when the block exits cleanly and is discarded otherwise."""
    pending = AtomicFile(target)
    try:
        yield pending
        pending.commit()
    finally:
        pending.discard()
