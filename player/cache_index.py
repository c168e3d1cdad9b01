"""The SQLite index of cached asset files (§28.2 cache layers, §33.4).

Downloads run on background threads, so every access goes through one lock.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from player.cache_policy import CachedAsset

_SCHEMA = """
CREATE TABLE IF NOT EXISTS assets (
    asset_id TEXT PRIMARY KEY,
    size_bytes INTEGER NOT NULL,
    checksum_sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    last_played REAL NOT NULL
)
"""


@dataclass(frozen=True)
class IndexedAsset:
    """One row: a verified file on disk."""

    asset_id: str
    size_bytes: int
    checksum_sha256: str
    path: Path
    last_played: float


class CacheIndex:
    """Which assets are on disk, how big, with which checksum and when last played."""

    def __init__(self, db_path: Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def put(self, asset: IndexedAsset) -> None:
        """Record a verified file (replacing any older version of the asset)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO assets VALUES (?, ?, ?, ?, ?)",
                (
                    asset.asset_id,
                    asset.size_bytes,
                    asset.checksum_sha256,
                    str(asset.path),
                    asset.last_played,
                ),
            )

    def get(self, asset_id: str) -> IndexedAsset | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM assets WHERE asset_id = ?", (asset_id,)
            ).fetchone()
        return _row_to_asset(row) if row else None

    def all(self) -> list[IndexedAsset]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM assets ORDER BY asset_id").fetchall()
        return [_row_to_asset(row) for row in rows]

    def touch(self, asset_id: str, when: float) -> None:
        """Mark an asset as just played (the LRU clock of §11.2)."""
        with self._lock:
            self._db.execute(
                "UPDATE assets SET last_played = ? WHERE asset_id = ?", (when, asset_id)
            )

    def remove(self, asset_id: str) -> int:
        """Delete an asset's row and file; returns the bytes freed."""
        asset = self.get(asset_id)
        if asset is None:
            return 0
        with self._lock:
            self._db.execute("DELETE FROM assets WHERE asset_id = ?", (asset_id,))
        with contextlib.suppress(FileNotFoundError):
            asset.path.unlink()
        return asset.size_bytes

    def used_bytes(self) -> int:
        with self._lock:
            (total,) = self._db.execute(
                "SELECT COALESCE(SUM(size_bytes), 0) FROM assets"
            ).fetchone()
        return int(total)

    def drop_missing_files(self) -> list[str]:
        """Forget rows whose file vanished (e.g. storage wiped); returns their ids."""
        gone = [asset.asset_id for asset in self.all() if not asset.path.is_file()]
        with self._lock:
            self._db.executemany("DELETE FROM assets WHERE asset_id = ?", [(a,) for a in gone])
        return gone

    def for_eviction(self) -> list[CachedAsset]:
        """The index in the shape the pure eviction policy takes."""
        return [CachedAsset(a.asset_id, a.size_bytes, a.last_played) for a in self.all()]


def _row_to_asset(row: tuple[str, int, str, str, float]) -> IndexedAsset:
    asset_id, size, checksum, path, last_played = row
    return IndexedAsset(asset_id, int(size), checksum, Path(path), float(last_played))
