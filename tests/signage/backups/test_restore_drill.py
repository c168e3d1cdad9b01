"""The restore drill (issue 16 item 4): back up the demo tenant with published content and
paired screens, destroy the database, the media and the warehouse, restore, and find the
venue's schedule, its assets (bytes and checksums), its users and its screens as they were."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from api.app import create_app
from signage.backups.pgtools import libpq_url
from signage.backups.service import Platform, list_backups, restore_backup, take_backup
from signage.config import Settings
from signage.db.engine import Database
from signage.storage.local import LocalStorage
from signage.tenancy.demo_content import seed_demo_content
from tests.support.demo import Demo
from tests.support.devices import PairedDevice, heartbeat_answer, pair
from tests.support.world import Signer, VenueWorld
from warehouse.layout import WarehouseLayout

PARTITION = "heartbeats/date=2026-06-15/hour=11/part-0.parquet"


@dataclass(frozen=True)
class Observed:
    """What the venue looks like from outside: to staff and to its screens."""

    schedule: dict
    manifest_etags: list[str]
    media_checksums: dict[str, str]  # the manifest's checksum -> sha256 of downloaded bytes
    partition: bytes


def observe(
    client: TestClient, staff: Signer, demo: Demo, screens: list[PairedDevice], settings: Settings
) -> Observed:
    schedule = client.get(f"/v1/venues/{demo.badger_id}/scheduleset", headers=staff("admin"))
    assert schedule.status_code == 200, schedule.text
    etags, checksums = [], {}
    for screen in screens:
        assert heartbeat_answer(client, screen.headers) == 204  # the existing token works
        manifest = client.get("/v1/player/manifest", headers=screen.headers)
        assert manifest.status_code == 200, manifest.text
        etags.append(manifest.headers["ETag"])
        for item in manifest.json()["playlist"]["items"]:
            downloaded = client.get(item["url"])
            assert downloaded.status_code == 200
            checksums[item["checksumSha256"]] = hashlib.sha256(downloaded.content).hexdigest()
    partition = (WarehouseLayout.from_settings(settings).root / PARTITION).read_bytes()
    return Observed(schedule.json(), etags, checksums, partition)


def destroy(database: Database, database_url: str, settings: Settings) -> None:
    """Drop the database for an empty one of the same name; delete the media and warehouse."""
    database.dispose()
    name = make_url(database_url).database
    admin = libpq_url(str(make_url(database_url).set(database="postgres")))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    shutil.rmtree(settings.media_dir)
    shutil.rmtree(WarehouseLayout.from_settings(settings).root)


def test_a_destroyed_platform_comes_back_from_its_backup(
    world: VenueWorld, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    client, as_role, demo, clock = world.client, world.as_role, world.demo, world.clock
    context = world.app.state.context
    assert seed_demo_content(context.database, context.storage, settings, clock)
    screens = [pair(client, as_role("admin"), demo.badger_id, name=f"Bar {n}") for n in (1, 2)]
    partition = WarehouseLayout.from_settings(settings).root / PARTITION
    partition.parent.mkdir(parents=True)
    partition.write_bytes(b"PAR1 a warehouse partition PAR1")
    before = observe(client, as_role, demo, screens, settings)
    assert before.media_checksums
    assert all(k == v for k, v in before.media_checksums.items())

    # The backup store lives apart from the data it protects (another bucket in production).
    store = LocalStorage(
        tmp_path / "backup-store",
        public_base_url="http://backups.invalid",
        signing_secret="unused",
        max_object_bytes=settings.max_upload_bytes,
    )
    platform = Platform(database_url, context.storage, partition.parents[3])
    taken = take_backup(platform, store, clock)
    assert [b.backup_id for b in list_backups(store)] == [taken.backup_id]
    assert taken.warehouse_files == 1
    assert len(taken.media) >= len(before.media_checksums)

    destroy(world.database, database_url, settings)
    restore_backup(platform, store, taken.backup_id)

    clock.now += timedelta(minutes=1)  # past the manifest poll limit of the first look
    restored_database = Database.connect(database_url)
    restored_app = create_app(settings, database=restored_database, clock=clock)
    try:
        with TestClient(restored_app, client=("203.0.113.10", 50000)) as restored:
            after = observe(restored, Signer(restored), demo, screens, settings)  # staff sign in
    finally:
        restored_database.dispose()
    assert after == before
