"""Backups in a real store, local disk and S3 (moto): listed newest first, pruned to `keep`
with the pooled media no kept backup references; a restore refuses a non-empty target."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from signage.backups.planning import MEDIA_POOL, pooled_media_key
from signage.backups.service import (
    BackupError,
    Platform,
    list_backups,
    prune_backups,
    restore_backup,
    take_backup,
)
from signage.db.models import Asset
from signage.storage.base import ObjectStorage
from signage.storage.local import LocalStorage
from signage.storage.s3 import S3Storage
from tests.support.clock import FakeClock
from tests.support.content import ready_asset
from tests.support.demo import Demo


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStorage:
    if request.param == "s3":
        s3: S3Storage = request.getfixturevalue("s3_storage")
        return s3
    return LocalStorage(
        tmp_path / "store",
        public_base_url="http://backups.invalid",
        signing_secret="unused",
        max_object_bytes=1 << 20,
    )


def test_backups_are_listed_newest_first_and_pruned_with_their_media(
    app: FastAPI, demo: Demo, database_url: str, store: ObjectStorage, tmp_path: Path
) -> None:
    context = app.state.context
    platform = Platform(database_url, context.storage, tmp_path / "warehouse")
    first = ready_asset(app, demo.tenant_id, seed=1)
    clock = FakeClock()
    taken = [take_backup(platform, store, clock)]
    with context.database.unit_of_work() as session:  # the first asset is deleted...
        deleted = update(Asset).where(Asset.id == first.asset_id).values(deleted_at=clock.now)
        session.execute(deleted)
    ready_asset(app, demo.tenant_id, seed=2)  # ...and another added
    for _ in range(2):
        clock.advance(hours=1)
        taken.append(take_backup(platform, store, clock))

    assert [b.backup_id for b in list_backups(store)] == [b.backup_id for b in taken[::-1]]
    assert store.exists(pooled_media_key(first.checksum))

    assert prune_backups(store, keep=2) == [taken[0].backup_id]
    assert [b.backup_id for b in list_backups(store)] == [b.backup_id for b in taken[:0:-1]]
    assert not list(store.list_keys(f"backups/{taken[0].backup_id}"))
    pooled = {key.rsplit("/", 1)[1] for key in store.list_keys(MEDIA_POOL)}
    assert pooled == {m.sha256 for m in taken[2].media}
    assert first.checksum not in pooled

    with pytest.raises(BackupError, match="not empty"):
        restore_backup(platform, store, taken[2].backup_id)
    with pytest.raises(BackupError, match="no complete backup"):
        restore_backup(platform, store, "20000101T000000Z")
