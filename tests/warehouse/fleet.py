"""A synthetic fleet: heartbeats every minute and a realistic mix of events, with outages
placed where the test says, built column-wise with Polars so 10,000 devices take a second.
Loaded into Postgres with COPY (as the API would have stored it) or straight into warehouse
partitions (for notebook tests that need no database)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
import psycopg
from sqlalchemy import select

from signage.db.engine import Database
from signage.db.models import Device, Venue
from warehouse import publishing, rollups
from warehouse.extract import EVENTS, HEARTBEATS
from warehouse.layout import WarehouseLayout, days_between, hours_between
from warehouse.store import write_day_partition, write_partition

GIB = 1024**3
# minutes since the fleet's start during which a device sends nothing: {device: [(from, to)]}
Outages = Mapping[int, Sequence[tuple[int, int]]]


@dataclass(frozen=True)
class DeviceIdentity:
    tenant_id: str
    venue_id: str
    device_id: str


def create_devices(database: Database, count: int) -> list[DeviceIdentity]:
    """`count` devices spread over every venue of the database (seed the demo first)."""
    with database.unit_of_work() as session:
        venues = list(session.scalars(select(Venue).order_by(Venue.name)))
        devices = [
            Device(
                tenant_id=venues[i % len(venues)].tenant_id,
                venue_id=venues[i % len(venues)].id,
                name=f"screen-{i:05d}",
            )
            for i in range(count)
        ]
        session.add_all(devices)
        session.flush()
        return [DeviceIdentity(str(d.tenant_id), str(d.venue_id), str(d.id)) for d in devices]


def synthetic_identities(count: int, venues: int = 3, tenants: int = 2) -> list[DeviceIdentity]:
    """Identities without a database: `venues` venues shared round-robin by `tenants`."""
    tenant_ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"tenant-{t}")) for t in range(tenants)]
    venue_ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"venue-{v}")) for v in range(venues)]
    return [
        DeviceIdentity(
            tenant_ids[(i % venues) % tenants],
            venue_ids[i % venues],
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"device-{i}")),
        )
        for i in range(count)
    ]


def _identity_frame(identities: Sequence[DeviceIdentity]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "device": list(range(len(identities))),
            "tenant_id": [i.tenant_id for i in identities],
            "venue_id": [i.venue_id for i in identities],
            "device_id": [i.device_id for i in identities],
        },
        schema_overrides={"device": pl.Int64},
    )


def _in_outage(outages: Outages) -> pl.Expr:
    silent = pl.lit(False)
    for device, spans in outages.items():
        for first, end in spans:
            silent = silent | (
                (pl.col("device") == device)
                & (pl.col("minute") >= first)
                & (pl.col("minute") < end)
            )
    return silent


def _received(start: datetime) -> pl.Expr:
    """Each device beats at its own second of the minute, a few hundred ms late or early."""
    phase_ms = (pl.col("device") * 7 % 60) * 1000 + (
        pl.col("device") * 31 + pl.col("minute") * 17
    ) % 900
    return pl.lit(start) + pl.duration(milliseconds=pl.col("minute") * 60_000 + phase_ms)


def heartbeat_frame(
    identities: Sequence[DeviceIdentity], start: datetime, minutes: int, outages: Outages
) -> pl.DataFrame:
    """A heartbeat per device and minute from `start`, except during `outages`."""
    grid = _identity_frame(identities).join(
        pl.DataFrame({"minute": list(range(minutes))}, schema={"minute": pl.Int64}), how="cross"
    )
    device, minute = pl.col("device"), pl.col("minute")
    no_cache_stats = device % 23 == 0
    frame = grid.filter(~_in_outage(outages)).with_columns(
        received_at=_received(start),
        state=pl.when((device % 17 == 0) & minute.is_between(300, 359))
        .then(pl.lit("ERROR_SCREEN"))
        .otherwise(pl.lit("PLAYING")),
        app_version=pl.when((device % 5 == 0) & (minute >= 600))
        .then(pl.lit("1.3.0"))
        .otherwise(pl.lit("1.2.0")),
        manifest_etag=pl.lit("e:fleet:1"),
        playlist_id=pl.lit(None, pl.String),
        current_asset_id=pl.lit(None, pl.String),
        cache_total_bytes=pl.when(no_cache_stats).then(None).otherwise(pl.lit(2 * GIB)),
        cache_used_bytes=pl.when(no_cache_stats)
        .then(None)
        .otherwise(500_000_000 + device * 1_000_000 + minute * 10_000),
        pending_downloads=(minute % 4).cast(pl.Int32),
        network_connected=pl.lit(True),
        playback_failures=pl.when((device + minute) % 97 == 0).then(1).otherwise(0).cast(pl.Int32),
        download_failures=pl.when((device * 3 + minute) % 113 == 0)
        .then(2)
        .otherwise(0)
        .cast(pl.Int32),
        manifest_fetch_failures=pl.when(minute % 250 == device % 250)
        .then(1)
        .otherwise(0)
        .cast(pl.Int32),
    )
    return (
        frame.sort("minute", "device")
        .with_row_index("id", offset=1)
        .select([pl.col(name).cast(dtype) for name, dtype in HEARTBEATS.schema.items()])
    )


def _events_at(
    grid: pl.DataFrame, event_type: str, severity: str, payload: pl.Expr
) -> pl.DataFrame:
    return grid.with_columns(
        event_type=pl.lit(event_type), severity=pl.lit(severity), payload=payload
    )


def _json(*pairs: tuple[str, pl.Expr]) -> pl.Expr:
    parts: list[pl.Expr] = [pl.lit("{")]
    for index, (key, value) in enumerate(pairs):
        parts += [pl.lit(("" if index == 0 else ", ") + f'"{key}": '), value]
    return pl.concat_str([*parts, pl.lit("}")])


def _quoted(value: pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit('"'), value, pl.lit('"')])


def event_frame(
    identities: Sequence[DeviceIdentity], start: datetime, minutes: int, outages: Outages
) -> pl.DataFrame:
    """Events of every defined kind that matters to the rollups (§27.8.3). An event that
    happens during an outage is buffered and received when its device comes back."""
    grid = _identity_frame(identities).join(
        pl.DataFrame({"minute": list(range(minutes))}, schema={"minute": pl.Int64}), how="cross"
    )
    device, minute = pl.col("device"), pl.col("minute")
    asset = pl.concat_str([pl.lit("asset-"), ((device + minute) % 5).cast(pl.String)])
    kinds = [
        _events_at(
            grid.filter(minute == 0),
            "APP_STARTED",
            "INFO",
            _json(("appVersion", _quoted(pl.lit("1.2.0")))),
        ),
        _events_at(
            grid.filter((minute % 60 == device % 60) & ((device + minute // 60) % 4 == 0)),
            "MANIFEST_APPLIED",
            "INFO",
            _json(("manifestEtag", _quoted(pl.lit("e:fleet:2")))),
        ),
        _events_at(
            grid.filter((device % 7 == 0) & (minute % 45 == device % 45)),
            "DOWNLOAD_FAILED",
            "WARNING",
            _json(
                ("assetId", _quoted(asset)),
                (
                    "httpStatus",
                    pl.when(minute % 2 == 0).then(pl.lit("404")).otherwise(pl.lit("503")),
                ),
                ("retryCount", pl.lit("3")),
            ),
        ),
        _events_at(
            grid.filter((device % 11 == 0) & (minute % 90 == 3)),
            "PLAYBACK_FAILED",
            "ERROR",
            _json(
                ("assetId", _quoted(asset)),
                (
                    "reason",
                    _quoted(
                        pl.when(device % 2 == 0)
                        .then(pl.lit("DECODE_ERROR"))
                        .otherwise(pl.lit("FILE_MISSING"))
                    ),
                ),
            ),
        ),
        _events_at(
            grid.filter((device % 13 == 0) & (minute == 700)),
            "MANIFEST_REJECTED",
            "WARNING",
            _json(("reason", _quoted(pl.lit("SIGNATURE_MISMATCH")))),
        ),
        _events_at(
            grid.filter((device % 17 == 0) & (minute == 300)),
            "ERROR_SCREEN_ENTERED",
            "ERROR",
            _json(("reason", _quoted(pl.lit("NO_PLAYABLE_CONTENT")))),
        ),
    ]
    delivered = minute
    for dev, spans in outages.items():
        for first, end in spans:
            during = (device == dev) & (minute >= first) & (minute < end)
            delivered = pl.when(during).then(pl.lit(end, pl.Int64)).otherwise(delivered)
    frame = pl.concat(kinds).with_columns(
        event_time=_received(start) + pl.duration(seconds=20),
        received_at=_received(start)
        + pl.duration(milliseconds=(delivered - minute) * 60_000 + 22_000),
    )
    return (
        frame.sort("received_at", "device", "event_type")
        .with_row_index("id", offset=1)
        .select([pl.col(name).cast(dtype) for name, dtype in EVENTS.schema.items()])
    )


# -- loading -------------------------------------------------------------------------------------


def copy_into_postgres(libpq_url: str, heartbeats: pl.DataFrame, events: pl.DataFrame) -> None:
    """Store the fleet's telemetry as the API would have (ids assigned by Postgres)."""
    _copy(libpq_url, "device_heartbeats", heartbeats.drop("id"))
    _copy(libpq_url, "device_events", events.drop("id"))


def _copy(libpq_url: str, table: str, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.6f%z")
    columns = ", ".join(frame.columns)
    with psycopg.connect(libpq_url) as conn, conn.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        conn.commit()


def write_into_warehouse(
    layout: WarehouseLayout, heartbeats: pl.DataFrame, events: pl.DataFrame
) -> list[datetime]:
    """Write the telemetry straight into its hourly partitions; returns the hours written."""
    hours: set[datetime] = set()
    for table, frame in (("heartbeats", heartbeats), ("events", events)):
        bucketed = frame.with_columns(bucket=pl.col("received_at").dt.truncate("1h"))
        for (hour,), part in bucketed.partition_by("bucket", as_dict=True).items():
            assert isinstance(hour, datetime)
            write_partition(layout, table, hour, part.drop("bucket"))
            hours.add(hour)
    return sorted(hours)


def roll_up(layout: WarehouseLayout, start: datetime, end: datetime) -> None:
    """Every rollup for the hours and days of [start, end), in the order the jobs run them."""
    hourly = (
        (rollups.DEVICE_HOURLY.name, rollups.device_hourly),
        (rollups.EVENT_COUNTS_HOURLY.name, rollups.event_counts_hourly),
        (rollups.FAILURES_HOURLY.name, rollups.failures_hourly),
        (rollups.OFFLINE_INCIDENTS.name, rollups.offline_incidents),
    )
    for hour in hours_between(start, end):
        for table, compute in hourly:
            write_partition(layout, table, hour, compute(layout, hour))
    for day in days_between(start, end):
        write_day_partition(
            layout, rollups.DEVICE_DAILY.name, day, rollups.device_daily(layout, day)
        )


def beat_time(heartbeats: pl.DataFrame, device_id: str, minute: int, start: datetime) -> datetime:
    """When the heartbeat of `device_id` in minute `minute` of the fleet was received."""
    window = heartbeats.filter(
        (pl.col("device_id") == device_id)
        & (pl.col("received_at") >= start + timedelta(minutes=minute))
        & (pl.col("received_at") < start + timedelta(minutes=minute + 1))
    )
    assert window.height == 1, (device_id, minute, window.height)
    value = window["received_at"].item()
    assert isinstance(value, datetime)
    return value


def write_publishing(
    layout: WarehouseLayout, identities: Sequence[DeviceIdentity], day: datetime
) -> None:
    """A day of publishes (three playlists, a schedule, a rollback, an override) and a
    week's timeline per venue of the fleet, for the publishing notebook."""
    venues = sorted({(i.tenant_id, i.venue_id) for i in identities})
    playlists = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"playlist-{n}")) for n in range(3)]
    events = []
    for index, (tenant_id, venue_id) in enumerate(venues):
        kinds = ["PLAYLIST_PUBLISH", "SCHEDULE_PUBLISH", "SCHEDULE_ROLLBACK", "OVERRIDE_STARTED"]
        for step, kind in enumerate(kinds):
            events.append(
                {
                    "id": uuid.uuid5(uuid.NAMESPACE_URL, f"publish-{index}-{step}"),
                    "tenant_id": tenant_id,
                    "venue_id": venue_id,
                    "type": kind,
                    "entity_id": playlists[step % 3],
                    "from_version": step or None,
                    "to_version": step + 1,
                    "published_by_user_id": None,
                    "published_at": day + timedelta(hours=9 + 2 * step, minutes=index),
                    "snapshot": {"step": step},
                }
            )
        rows = [
            {
                "tenant_id": tenant_id,
                "venue_id": venue_id,
                "target_type": "GROUP",
                "target_id": venue_id,
                "start_utc": day + timedelta(hours=6 * n),
                "end_utc": day + timedelta(hours=6 * (n + 1)),
                "playlist_id": playlists[n % 3],
                "reason": "GROUP_SLOT" if n % 2 else "FALLBACK",
                "rule_id": None,
                "computed_at": day,
                "epoch": 1,
            }
            for n in range(28)
        ]
        publishing.write_venue_timeline(layout, venue_id, rows)
    publishing.write_publish_events(layout, day, publishing.publish_events_frame(events))
