"""Publishing in the warehouse (§15, §26.11, §29.4.9): every PublishEvent with the snapshot it
produced, and the materialised 7-day "what plays when" of every venue target.

- `publish_events`: one file per UTC day of `published_at`, rewritten whole from PostgreSQL
  (the day's events are few), so a re-run or backfill is idempotent.
- `venue_timelines`: one file per venue holding its targets' intervals from the moment it
  was computed, replaced whole on every publish (sensor) and daily. Intervals come from the
  API's own resolver (`signage.manifest.timeline`), so analysts and the app agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from warehouse.layout import WarehouseLayout
from warehouse.rollups import UTC_TIME
from warehouse.scan import duck, query, register_files
from warehouse.store import replace_file, write_day_partition

PUBLISH_EVENTS = "publish_events"
VENUE_TIMELINES = "venue_timelines"

PUBLISH_EVENT_SCHEMA: Mapping[str, pl.DataType] = {
    "publish_event_id": pl.String(),
    "tenant_id": pl.String(),
    "venue_id": pl.String(),
    "type": pl.String(),
    "entity_id": pl.String(),
    "from_version": pl.Int64(),
    "to_version": pl.Int64(),
    "published_by_user_id": pl.String(),
    "published_at": UTC_TIME,
    "snapshot_json": pl.String(),
}
TIMELINE_SCHEMA: Mapping[str, pl.DataType] = {
    "tenant_id": pl.String(),
    "venue_id": pl.String(),
    "target_type": pl.String(),
    "target_id": pl.String(),
    "start_utc": UTC_TIME,
    "end_utc": UTC_TIME,
    "playlist_id": pl.String(),
    "reason": pl.String(),
    "rule_id": pl.String(),
    "computed_at": UTC_TIME,
    "epoch": pl.Int64(),
}


def publish_events_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Rows with the PublishEvent columns (`snapshot` a dict) as the warehouse table."""
    records = [
        {
            **{k: _text(row.get(k)) for k in ("tenant_id", "venue_id", "entity_id")},
            "publish_event_id": _text(row["id"]),
            "type": str(row["type"]),
            "from_version": row.get("from_version"),
            "to_version": row.get("to_version"),
            "published_by_user_id": _text(row.get("published_by_user_id")),
            "published_at": row["published_at"],
            "snapshot_json": json.dumps(row.get("snapshot") or {}, sort_keys=True),
        }
        for row in rows
    ]
    return pl.DataFrame(records, schema=dict(PUBLISH_EVENT_SCHEMA)).sort("publish_event_id")


def write_publish_events(layout: WarehouseLayout, day: datetime, frame: pl.DataFrame) -> int:
    return write_day_partition(layout, PUBLISH_EVENTS, day, frame)


def timeline_file(layout: WarehouseLayout, venue_id: str) -> Path:
    return layout.table_dir(VENUE_TIMELINES) / f"venue={venue_id}" / "part-0.parquet"


def write_venue_timeline(
    layout: WarehouseLayout, venue_id: str, rows: Sequence[Mapping[str, Any]]
) -> int:
    frame = pl.DataFrame(
        [{k: _text(v) if k in _ID_COLUMNS else v for k, v in row.items()} for row in rows],
        schema=dict(TIMELINE_SCHEMA),
    ).sort("target_type", "target_id", "start_utc")
    return replace_file(timeline_file(layout, venue_id), frame)


def publish_history(
    layout: WarehouseLayout, tenant_id: str, start: datetime, end: datetime
) -> pl.DataFrame:
    """The tenant's publishes in [start, end), newest first (notebooks: cadence, rollbacks)."""
    with duck() as connection:
        files = layout.daily_files(PUBLISH_EVENTS, start, end)
        register_files(connection, PUBLISH_EVENTS, files, PUBLISH_EVENT_SCHEMA)
        params = {"tenant_id": tenant_id, "start": start, "end": end}
        return query(connection, _PUBLISH_HISTORY_SQL, params, PUBLISH_EVENT_SCHEMA)


def venue_timeline(layout: WarehouseLayout, venue_id: str) -> pl.DataFrame:
    """The venue's materialised timeline (every target), as last computed."""
    path = timeline_file(layout, venue_id)
    files = [path] if path.exists() else []
    with duck() as connection:
        register_files(connection, VENUE_TIMELINES, files, TIMELINE_SCHEMA)
        return query(connection, _TIMELINE_SQL, {}, TIMELINE_SCHEMA)


def publishing_tenants(layout: WarehouseLayout, start: datetime, end: datetime) -> list[str]:
    """Tenants with publishes in [start, end), for notebooks that pick a default."""
    schema = {"tenant_id": pl.String()}
    with duck() as connection:
        files = layout.daily_files(PUBLISH_EVENTS, start, end)
        register_files(connection, PUBLISH_EVENTS, files, PUBLISH_EVENT_SCHEMA)
        sql = "SELECT DISTINCT tenant_id FROM publish_events ORDER BY tenant_id"
        return [str(t) for t in query(connection, sql, {}, schema)["tenant_id"].to_list()]


def tenant_timelines(layout: WarehouseLayout, tenant_id: str) -> pl.DataFrame:
    """Every venue timeline of the tenant, as last computed ("what runs where")."""
    files = sorted(layout.table_dir(VENUE_TIMELINES).glob("venue=*/part-0.parquet"))
    with duck() as connection:
        register_files(connection, VENUE_TIMELINES, files, TIMELINE_SCHEMA)
        return query(connection, _TENANT_TIMELINES_SQL, {"tenant_id": tenant_id}, TIMELINE_SCHEMA)


_ID_COLUMNS = frozenset({"tenant_id", "venue_id", "target_id", "playlist_id", "rule_id"})

_PUBLISH_HISTORY_SQL = """
SELECT * FROM publish_events
WHERE tenant_id = $tenant_id AND published_at >= $start AND published_at < $end
ORDER BY published_at DESC, publish_event_id
"""

_TENANT_TIMELINES_SQL = """
SELECT * FROM venue_timelines WHERE tenant_id = $tenant_id
ORDER BY venue_id, target_type, target_id, start_utc
"""

_TIMELINE_SQL = """
SELECT * FROM venue_timelines ORDER BY target_type, target_id, start_utc
"""


def _text(value: object) -> str | None:
    return None if value is None else str(value)
