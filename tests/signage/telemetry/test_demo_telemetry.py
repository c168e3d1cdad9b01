"""The demo's week of telemetry stored (issue 18 item 4): the demo screens are created, their
history lands in its day partitions, their latest status matches their newest heartbeat so
the ops dashboard and device pages answer for `now`, a second run writes nothing, retention
copes with the backfilled days, and `signage seed-demo --telemetry-days` does it all."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from pipelines.rollups import DAILY
from pipelines.telemetry import HOURLY
from signage.alerts.evaluation import evaluate_alerts
from signage.alerts.rules import AlertThresholds
from signage.cli import app as cli
from signage.cli import warehouse_backfill_commands
from signage.config import Settings
from signage.db.engine import Database
from signage.db.models import Device, DeviceEvent, DeviceHeartbeat, DeviceStatus, Venue
from signage.devices.history import ChangeKind, recent_changes
from signage.devices.registry import ONLINE_WITHIN
from signage.enums import DeviceEventType
from signage.telemetry.partitions import days_held, default_partition, partition_name
from signage.tenancy.demo import FORTESCUE, GRUMPY_BADGER
from signage.tenancy.demo_content import seed_demo_content
from signage.tenancy.demo_telemetry import DEMO_SCREENS, DemoTelemetry, seed_demo_telemetry
from tests.support.clock import FakeClock
from tests.support.demo import Demo, bearer, login
from tests.support.world import VenueWorld
from tests.webapp.web import signed_in
from warehouse.layout import WarehouseLayout
from warehouse.retention import prune_warehoused_telemetry

DAYS = 7
TABLES = ("device_heartbeats", "device_events")


@pytest.fixture
def seeded(app: FastAPI, demo: Demo, settings: Settings, clock: FakeClock) -> DemoTelemetry:
    """The demo content, then a week of telemetry up to the clock's Monday noon."""
    context = app.state.context
    seed_demo_content(context.database, context.storage, settings, clock)
    return seed_demo_telemetry(context.database, clock.now, DAYS)


def count(database: Database, statement: str) -> int:
    with database.sessions() as session:
        return session.scalar(text(statement)) or 0


def newest_beats(database: Database) -> dict[uuid.UUID, datetime]:
    with database.sessions() as session:
        rows = session.execute(
            select(DeviceHeartbeat.device_id, func.max(DeviceHeartbeat.received_at)).group_by(
                DeviceHeartbeat.device_id
            )
        )
        return {device_id: newest for device_id, newest in rows}


def test_the_week_lands_in_its_day_partitions_once_with_each_screens_newest_status(
    seeded: DemoTelemetry, database: Database, settings: Settings, clock: FakeClock
) -> None:
    stored = seeded.stored
    assert stored is not None
    assert seeded.screens == seeded.screens_created == len(DEMO_SCREENS)
    assert len(stored.days) == DAYS + 1  # a week back from noon touches eight UTC days
    assert stored.heartbeats > len(DEMO_SCREENS) * DAYS * 8 * 60  # open 8+ hours a day
    assert count(database, "SELECT count(*) FROM device_heartbeats") == stored.heartbeats
    assert count(database, "SELECT count(*) FROM device_events") == stored.events
    with database.sessions() as session:
        for table in TABLES:
            assert set(stored.days) <= set(days_held(session, table))
            assert count(database, f"SELECT count(*) FROM {default_partition(table)}") == 0
    for day in stored.days:
        name = partition_name("device_heartbeats", day)
        assert count(database, f"SELECT count(*) FROM {name}") > 0

    newest = newest_beats(database)
    assert len(newest) == len(DEMO_SCREENS)
    with database.sessions() as session:
        for device in session.scalars(select(Device)):
            status = session.get_one(DeviceStatus, device.id)
            assert status.last_heartbeat_at == newest[device.id] == device.last_seen_at
            assert device.app_version == status.app_version
            latest = session.scalars(
                select(DeviceHeartbeat).where(
                    DeviceHeartbeat.device_id == device.id,
                    DeviceHeartbeat.received_at == newest[device.id],
                )
            ).one()
            assert (status.loop_count, status.current_asset_id, status.manifest_etag) == (
                latest.loop_count,
                latest.current_asset_id,
                latest.manifest_etag,
            )

    clock.advance(hours=2)
    again = seed_demo_telemetry(database, clock.now, DAYS)
    assert again.stored is None
    assert again.screens_created == 0
    assert count(database, "SELECT count(*) FROM device_heartbeats") == stored.heartbeats
    assert count(database, "SELECT count(*) FROM devices") == len(DEMO_SCREENS)

    layout = WarehouseLayout.from_settings(settings)  # empty: nothing copied yet
    pruned = prune_warehoused_telemetry(database, layout, cutoff=clock.now)
    for name, table in (("heartbeats", "device_heartbeats"), ("events", "device_events")):
        assert pruned[name].days_dropped == ()
        assert set(pruned[name].days_kept) == set(stored.days[:-1])  # every day that ended
        with database.sessions() as session:
            assert set(stored.days) <= set(days_held(session, table))


def test_the_dashboard_shows_open_venues_online_now_and_all_offline_at_night(
    seeded: DemoTelemetry, world: VenueWorld
) -> None:
    database, client, clock = world.database, world.client, world.clock
    newest = newest_beats(database)
    online_now = sum(1 for at in newest.values() if clock.now - at <= ONLINE_WITHIN)
    assert online_now >= 3  # 13:00 in London: both venues open, three screens never flap
    with database.unit_of_work() as session:  # what the alerts job would find
        evaluated = evaluate_alerts(session, clock.now, AlertThresholds())
    assert evaluated.devices == len(DEMO_SCREENS)
    board = client.get("/v1/ops/dashboard", headers=world.as_role("admin")).json()
    # the dining-room screen runs the newer app, so the other four are behind the tenant's newest
    assert board["totals"]["openAlerts"]["byType"]["OUTDATED_APP_VERSION"] == 4
    assert board["totals"]["openAlerts"]["byType"]["DEVICE_OFFLINE"] == (
        len(DEMO_SCREENS) - online_now
    )
    devices = board["totals"]["devices"]
    assert devices["total"] == len(DEMO_SCREENS)
    assert devices["online"] + devices["error"] == online_now
    assert devices["offline"] == len(DEMO_SCREENS) - online_now
    per_venue = {v["name"]: v["devices"]["total"] for v in board["items"]}
    assert per_venue == {FORTESCUE: 3, GRUMPY_BADGER: 2}

    clock.advance(hours=14)  # 03:00 in London: every screen was switched off at closing
    admin = bearer(login(client, "admin")["accessToken"])  # the first token has expired
    night = client.get("/v1/ops/dashboard", headers=admin).json()
    assert night["totals"]["devices"]["offline"] == len(DEMO_SCREENS)


def test_the_cafe_clip_fails_and_the_wifi_screens_flap_on_their_device_pages(
    seeded: DemoTelemetry, world: VenueWorld
) -> None:
    database, client, demo = world.database, world.client, world.demo
    with database.sessions() as session:
        failed = session.execute(
            select(DeviceEvent.venue_id, DeviceEvent.payload["assetId"].astext).where(
                DeviceEvent.event_type == DeviceEventType.PLAYBACK_FAILED
            )
        ).all()
        devices = {d.name: d for d in session.scalars(select(Device))}
    assert failed
    assert {venue for venue, _ in failed} == {demo.badger_id}
    assert len({asset for _, asset in failed}) == 1

    counter = devices["Counter"]
    page = client.get(
        f"/v1/venues/{demo.badger_id}/devices/{counter.id}", headers=world.as_role("admin")
    ).json()
    assert page["status"]["state"] == "PLAYING"
    assert page["status"]["currentAssetId"] != failed[0][1]  # the clip is skipped
    assert page["lastSeenAtUtc"] is not None
    html = signed_in(client, "admin").get(f"/app/venues/{demo.badger_id}/devices/{counter.id}")
    assert html.status_code == 200
    assert "Playback failed" in html.text  # among its recent events

    window = devices["Window"]
    with database.sessions() as session:
        beats = list(
            session.scalars(
                select(DeviceHeartbeat.received_at)
                .where(DeviceHeartbeat.device_id == window.id)
                .order_by(DeviceHeartbeat.received_at)
            )
        )
        silence, reconnect = max(pairwise(beats), key=_length_within_a_day)
        assert reconnect - silence > ONLINE_WITHIN
        changes = recent_changes(session, window, reconnect + timedelta(hours=1))
    assert (ChangeKind.OFFLINE, silence) in [(c.kind, c.at) for c in changes]
    assert (ChangeKind.ONLINE, reconnect) in [(c.kind, c.at) for c in changes]


def _length_within_a_day(pair: tuple[datetime, datetime]) -> timedelta:
    """A gap's length, or zero for the nightly one."""
    length = pair[1] - pair[0]
    return length if length < timedelta(hours=6) else timedelta(0)


@pytest.fixture
def cli_environment(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("SIGNAGE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SIGNAGE_JWT_SECRET", "test-secret-" + "x" * 40)
    monkeypatch.delenv("SIGNAGE_S3_BUCKET", raising=False)


def test_seed_demo_takes_the_days_from_its_option_or_the_environment(
    cli_environment: None, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = CliRunner().invoke(cli, ["seed-demo"])
    assert plain.exit_code == 0, plain.output
    assert "demo telemetry" not in plain.output
    assert count(database, "SELECT count(*) FROM devices") == 0  # off by default

    monkeypatch.setenv("SIGNAGE_DEMO_TELEMETRY_DAYS", "1")
    first = CliRunner().invoke(cli, ["seed-demo"])
    assert first.exit_code == 0, first.output
    told = (
        rf"demo telemetry: [\d,]+ heartbeats and [\d,]+ events over \d days for {len(DEMO_SCREENS)}"
    )
    assert re.search(told + r" demo screens \(5 created\)", first.output), first.output
    assert "-j telemetry_hourly --from" in first.output
    rows = count(database, "SELECT count(*) FROM device_heartbeats")
    assert rows > 0

    again = CliRunner().invoke(cli, ["seed-demo", "--telemetry-days", "3"])
    assert again.exit_code == 0, again.output
    assert "the demo screens already have telemetry, nothing written" in again.output
    assert count(database, "SELECT count(*) FROM device_heartbeats") == rows
    with database.sessions() as session:
        venues = set(session.scalars(select(Device.venue_id)))
        names = set(session.scalars(select(Venue.name).where(Venue.id.in_(venues))))
    assert names == {FORTESCUE, GRUMPY_BADGER}


def test_the_warehouse_backfills_it_prints_name_the_hours_and_days_that_ended(
    settings: Settings,
) -> None:
    now = datetime(2026, 6, 15, 12, 40, tzinfo=UTC)
    hourly, daily = warehouse_backfill_commands(settings, now, 7)
    assert "-j telemetry_hourly --from 2026-06-08-12:00 --to 2026-06-15-11:00" in hourly
    assert "-j telemetry_daily --from 2026-06-08 --to 2026-06-14" in daily
    for command, partitions in ((hourly, HOURLY), (daily, DAILY)):
        assert f"SIGNAGE_DAGSTER_STORAGE_DIR={settings.resolved_data_dir / 'dagster'}" in command
        words = command.split()
        for flag in ("--from", "--to"):
            key = words[words.index(flag) + 1]
            assert partitions.time_window_for_partition_key(key).start <= now
