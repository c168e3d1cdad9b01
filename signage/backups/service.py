"""Taking, listing, pruning and restoring backups (issue 16 item 4).

A backup is `backups/{id}/database.dump` (pg_dump, custom format), `backups/{id}/warehouse.tar`
(the Parquet partitions) and `backups/{id}/manifest.json` (written last: sizes, duration, keys
and the referenced media with their checksums), in the backup store. The referenced media are
copied into a pool keyed by checksum (`backups/media/{sha256}`), so a restore needs nothing but
the backup store, and a nightly backup copies only what is new.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from signage.backups import pgtools
from signage.backups.planning import (
    MANIFEST,
    MEDIA_POOL,
    PREFIX,
    BackupManifest,
    MediaEntry,
    backup_id_for,
    backup_prefix,
    plan_pruning,
    pooled_media_key,
)
from signage.config import Settings
from signage.db import migrate
from signage.db.engine import Database, database_url
from signage.db.models import Asset
from signage.media.checksum import CHUNK_BYTES
from signage.storage.base import ObjectNotFoundError, ObjectStorage, utc_now
from signage.storage.factory import storage_from_settings
from signage.storage.local import LocalStorage

_OCTETS = "application/octet-stream"


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead (missing backup, non-empty target)."""


@dataclass(frozen=True)
class Platform:
    """What a backup reads and a restore writes: the database, the media, the warehouse."""

    database_url: str
    media: ObjectStorage
    warehouse_root: Path


def platform_from_settings(settings: Settings) -> Platform:
    """The platform the SIGNAGE_* settings configure (starts the embedded server if it is one)."""
    return Platform(
        database_url(settings),
        storage_from_settings(settings),
        settings.warehouse_dir,
    )


def backup_store_from_settings(settings: Settings) -> ObjectStorage:
    """The backup bucket (or the media bucket) under S3, else data_dir (keys `backups/...`)."""
    if settings.uses_s3:
        from signage.storage.s3 import S3Storage, s3_client

        bucket = settings.backup_s3_bucket or settings.s3_bucket
        assert bucket is not None
        return S3Storage(s3_client(settings), bucket, max_object_bytes=settings.max_upload_bytes)
    return local_backup_store(settings.resolved_data_dir, settings.max_upload_bytes)


def local_backup_store(root: Path, max_object_bytes: int) -> LocalStorage:
    """Backups on disk under `root` (keys `backups/...`). Nothing serves them, so the URL
    signer gets a throwaway secret."""
    return LocalStorage(
        root,
        public_base_url="http://backups.invalid",
        signing_secret=secrets.token_hex(32),
        max_object_bytes=max_object_bytes,
    )


# -- taking a backup ------------------------------------------------------------------------


def take_backup(
    platform: Platform, store: ObjectStorage, clock: Callable[[], datetime] = utc_now
) -> BackupManifest:
    """Back the platform up into `store`; the manifest of the complete backup."""
    started, started_at = time.monotonic(), clock()
    prefix = backup_prefix(backup_id_for(started_at))
    if store.exists(f"{prefix}/{MANIFEST}"):
        raise BackupError(f"backup {backup_id_for(started_at)} exists already; try again")
    with tempfile.TemporaryDirectory(prefix="signage-backup-") as scratch:
        work = Path(scratch)
        pgtools.dump(platform.database_url, work / "database.dump")
        database = store.put_file(f"{prefix}/database.dump", work / "database.dump", _OCTETS)
        files = _tar_warehouse(platform.warehouse_root, work / "warehouse.tar")
        warehouse = store.put_file(f"{prefix}/warehouse.tar", work / "warehouse.tar", _OCTETS)
        media, revision = _referenced_media(platform.database_url)
        entries = tuple(_pool(platform.media, store, key, known, work) for key, known in media)
    manifest = BackupManifest(
        backup_id=backup_id_for(started_at),
        created_at=started_at,
        database_key=f"{prefix}/database.dump",
        database_bytes=database.size,
        warehouse_key=f"{prefix}/warehouse.tar",
        warehouse_bytes=warehouse.size,
        warehouse_files=files,
        duration_seconds=round(time.monotonic() - started, 3),
        alembic_revision=revision,
        media=tuple(entry for entry in entries if entry is not None),
    )
    body = json.dumps(manifest.to_json(), indent=1).encode()
    store.put_bytes(f"{prefix}/{MANIFEST}", body, "application/json")
    return manifest


def _referenced_media(database_url: str) -> tuple[list[tuple[str, str | None]], str]:
    """(key, checksum when the row records it) of every live asset's original and thumbnail,
    and the schema revision the dump is at."""
    database = Database.connect(database_url, pool_size=1)
    try:
        with database.unit_of_work() as session:
            return _media_keys(session), _revision(session)
    finally:
        database.dispose()


def _media_keys(session: Session) -> list[tuple[str, str | None]]:
    rows = session.execute(
        select(Asset.storage_key, Asset.checksum_sha256, Asset.thumbnail_key).where(
            Asset.deleted_at.is_(None)
        )
    )
    keys: dict[str, str | None] = {}
    for storage_key, checksum, thumbnail_key in rows:
        keys[storage_key] = checksum
        if thumbnail_key:
            keys[thumbnail_key] = None  # thumbnails can be regenerated in place: always hash
    return sorted(keys.items())


def _revision(session: Session) -> str:
    return str(session.scalar(text("SELECT version_num FROM alembic_version")))


def _pool(
    media: ObjectStorage, store: ObjectStorage, key: str, known_sha256: str | None, work: Path
) -> MediaEntry | None:
    """Copy one object into the pool unless its bytes are there already; None when the object
    is missing from the media store (an upload never completed)."""
    info = media.head(key)
    if info is None:
        return None
    if known_sha256 and store.exists(pooled_media_key(known_sha256)):
        # Asset originals never change once written (signage.storage.keys).
        return MediaEntry(key, known_sha256, info.size)
    local = work / "object"
    size = media.download_to(key, local)
    sha256 = _sha256_of(local)
    if not store.exists(pooled_media_key(sha256)):
        store.put_file(pooled_media_key(sha256), local, _OCTETS)
    return MediaEntry(key, sha256, size)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _tar_warehouse(root: Path, target: Path) -> int:
    files = sorted(root.rglob("*.parquet")) if root.is_dir() else []
    with tarfile.open(target, "w") as archive:
        for path in files:
            archive.add(path, arcname=path.relative_to(root).as_posix())
    return len(files)


# -- listing and pruning --------------------------------------------------------------------


def list_backups(store: ObjectStorage) -> list[BackupManifest]:
    """Every complete backup in `store`, newest first."""
    manifests = [
        _read_manifest(store, key)
        for key in store.list_keys(PREFIX)
        if key.endswith(f"/{MANIFEST}") and not key.startswith(f"{MEDIA_POOL}/")
    ]
    return sorted(manifests, key=lambda m: m.backup_id, reverse=True)


def find_backup(store: ObjectStorage, backup_id: str) -> BackupManifest:
    try:
        return _read_manifest(store, f"{backup_prefix(backup_id)}/{MANIFEST}")
    except (ObjectNotFoundError, ValueError) as exc:
        raise BackupError(f"no complete backup {backup_id!r} in the backup store") from exc


def _read_manifest(store: ObjectStorage, key: str) -> BackupManifest:
    with store.open_read(key) as stream:
        return BackupManifest.from_json(json.loads(stream.read()))


def prune_backups(store: ObjectStorage, keep: int) -> list[str]:
    """Delete all but the newest `keep` backups and the pooled media only they referenced;
    the ids deleted. Manifests go first, so a half-deleted backup never looks complete."""
    pooled = [key.rsplit("/", 1)[1] for key in store.list_keys(MEDIA_POOL)]
    plan = plan_pruning(list_backups(store), pooled, keep)
    for backup_id in plan.backup_ids:
        prefix = backup_prefix(backup_id)
        store.delete(f"{prefix}/{MANIFEST}")
        for key in store.list_keys(prefix):
            store.delete(key)
    for sha256 in plan.media_sha256s:
        store.delete(pooled_media_key(sha256))
    return list(plan.backup_ids)


# -- restoring ------------------------------------------------------------------------------


def restore_backup(platform: Platform, store: ObjectStorage, backup_id: str) -> BackupManifest:
    """Restore backup `backup_id` into an empty database, media store and warehouse, then
    migrate the database to this release's head (the backup may be older)."""
    manifest = find_backup(store, backup_id)
    _refuse_non_empty(platform)
    with tempfile.TemporaryDirectory(prefix="signage-restore-") as scratch:
        work = Path(scratch)
        store.download_to(manifest.database_key, work / "database.dump")
        pgtools.restore(platform.database_url, work / "database.dump")
        store.download_to(manifest.warehouse_key, work / "warehouse.tar")
        _untar_warehouse(work / "warehouse.tar", platform.warehouse_root)
        for entry in manifest.media:
            _restore_object(store, platform.media, entry, work / "object")
    migrate.upgrade(platform.database_url)
    return manifest


def _refuse_non_empty(platform: Platform) -> None:
    database = Database.connect(platform.database_url, pool_size=1)
    try:
        with database.unit_of_work() as session:
            tables = session.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            )
    finally:
        database.dispose()
    if tables:
        raise BackupError("the target database is not empty: restore into an empty database")
    if any(platform.warehouse_root.rglob("*.parquet")):
        raise BackupError(f"the warehouse {platform.warehouse_root} is not empty")


def _restore_object(
    store: ObjectStorage, media: ObjectStorage, entry: MediaEntry, local: Path
) -> None:
    store.download_to(pooled_media_key(entry.sha256), local)
    if _sha256_of(local) != entry.sha256:
        raise BackupError(f"pooled copy of {entry.key} does not match its checksum")
    media.put_file(entry.key, local, _OCTETS)


def _untar_warehouse(archive_path: Path, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path) as archive:
        archive.extractall(root, filter="data")  # refuses absolute and climbing paths


def summarise(manifest: BackupManifest) -> Iterator[str]:
    """One backup as the lines operators read (CLI, Dagster run metadata)."""
    yield f"{manifest.backup_id}  {manifest.created_at:%Y-%m-%d %H:%M:%S}Z"
    yield f"  database {manifest.database_bytes} B  ({manifest.database_key})"
    yield f"  warehouse {manifest.warehouse_files} files, {manifest.warehouse_bytes} B"
    yield f"  media {len(manifest.media)} objects, {manifest.media_bytes} B"
    yield f"  took {manifest.duration_seconds:.1f} s, schema {manifest.alembic_revision}"
