"""What a backup is (its manifest) and which backups and pooled media to prune: pure.

Media are pooled by checksum under `backups/media/{sha256}` and shared by every backup that
references them, so a nightly backup copies only the objects that are new since the last one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PREFIX = "backups"
MEDIA_POOL = f"{PREFIX}/media"
MANIFEST = "manifest.json"
_ID_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True, slots=True)
class MediaEntry:
    """One object the database references: where it lives and what its bytes hash to."""

    key: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class BackupManifest:
    """What one backup holds; written last, so a backup with a manifest is complete."""

    backup_id: str
    created_at: datetime
    database_key: str
    database_bytes: int
    warehouse_key: str
    warehouse_bytes: int
    warehouse_files: int
    duration_seconds: float
    alembic_revision: str
    media: tuple[MediaEntry, ...] = field(default=())

    @property
    def media_bytes(self) -> int:
        return sum(entry.size for entry in self.media)

    @property
    def total_bytes(self) -> int:
        """What the backup stores on its own plus the media it references."""
        return self.database_bytes + self.warehouse_bytes + self.media_bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "backupId": self.backup_id,
            "createdAt": self.created_at.isoformat(),
            "database": {"key": self.database_key, "bytes": self.database_bytes},
            "warehouse": {
                "key": self.warehouse_key,
                "bytes": self.warehouse_bytes,
                "files": self.warehouse_files,
            },
            "durationSeconds": self.duration_seconds,
            "alembicRevision": self.alembic_revision,
            "media": [{"key": m.key, "sha256": m.sha256, "bytes": m.size} for m in self.media],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BackupManifest:
        return cls(
            backup_id=data["backupId"],
            created_at=datetime.fromisoformat(data["createdAt"]),
            database_key=data["database"]["key"],
            database_bytes=data["database"]["bytes"],
            warehouse_key=data["warehouse"]["key"],
            warehouse_bytes=data["warehouse"]["bytes"],
            warehouse_files=data["warehouse"]["files"],
            duration_seconds=data["durationSeconds"],
            alembic_revision=data["alembicRevision"],
            media=tuple(MediaEntry(m["key"], m["sha256"], m["bytes"]) for m in data["media"]),
        )


def backup_id_for(moment: datetime) -> str:
    """A backup's id: its UTC start time, so ids sort in time order."""
    return moment.strftime(_ID_FORMAT)


def backup_prefix(backup_id: str) -> str:
    return f"{PREFIX}/{backup_id}"


def pooled_media_key(sha256: str) -> str:
    return f"{MEDIA_POOL}/{sha256}"


@dataclass(frozen=True, slots=True)
class PrunePlan:
    """The backups to delete (oldest first) and the pooled media no kept backup references."""

    backup_ids: tuple[str, ...]
    media_sha256s: tuple[str, ...]


def plan_pruning(
    backups: Sequence[BackupManifest], pooled_sha256s: Iterable[str], keep: int
) -> PrunePlan:
    """Keep the newest `keep` backups and the media they reference; everything else goes."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    newest_first = sorted(backups, key=lambda b: b.backup_id, reverse=True)
    kept, dropped = newest_first[:keep], newest_first[keep:]
    referenced = {entry.sha256 for backup in kept for entry in backup.media}
    return PrunePlan(
        backup_ids=tuple(sorted(b.backup_id for b in dropped)),
        media_sha256s=tuple(sorted(set(pooled_sha256s) - referenced)),
    )
