"""Publishing snapshots in the warehouse (issue #8 item 3, §26.11, §29.4.9): each day's
PublishEvents with their snapshots, and every venue's materialised 7-day timeline, refreshed
by a sensor when anything is published and by a daily schedule (time moves the window).

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

import uuid
from datetime import UTC, datetime, timedelta

from dagster import (
    AssetExecutionContext,
    Config,
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    MaterializeResult,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    asset,
    define_asset_job,
    in_process_executor,
    schedule,
    sensor,
)
from sqlalchemy import select

from pipelines.resources import PlatformDatabase, Warehouse
from pipelines.schedules import running_schedule
from pipelines.telemetry import WAREHOUSE_WRITERS
from signage.db.models import PublishEvent, Venue
from signage.manifest.timeline import venue_timeline_rows
from signage.publish_history import published_since
from warehouse import publishing

GROUP = "publishing"
TIMELINE_WINDOW = timedelta(days=7)
# UTC days up to and including today (end_offset=1): a publish is copied the day it happens, so
# today's partition must exist; each run rewrites its day whole (issue 15 item 9). Unlike the
# rollups' DAILY, whose last partition is the day that ended.
PUBLISH_DAYS = DailyPartitionsDefinition(start_date="2026-01-01", timezone="UTC", end_offset=1)


@asset(partitions_def=PUBLISH_DAYS, pool=WAREHOUSE_WRITERS, group_name=GROUP)
def warehouse_publish_events(
    context: AssetExecutionContext, platform_db: PlatformDatabase, warehouse: Warehouse
) -> MaterializeResult[None]:
    """One UTC day of PublishEvents with the snapshot each produced (items, slots, who, when)."""
    window = context.partition_time_window
    with platform_db.unit_of_work() as session:
        events = session.scalars(
            select(PublishEvent).where(
                PublishEvent.published_at >= window.start, PublishEvent.published_at < window.end
            )
        )
        frame = publishing.publish_events_frame(
            {column: getattr(e, column) for column in _EVENT_COLUMNS} for e in events
        )
    rows = publishing.write_publish_events(warehouse.layout(), window.start, frame)
    return MaterializeResult(metadata={"rows": rows, "day": window.start.date().isoformat()})


_EVENT_COLUMNS = (
    "id",
    "tenant_id",
    "venue_id",
    "type",
    "entity_id",
    "from_version",
    "to_version",
    "published_by_user_id",
    "published_at",
    "snapshot",
)


class TimelineConfig(Config):
    as_of: str = ""  # ISO 8601 instant the window starts at; empty: now (time is a parameter)
    venue_ids: list[str] = []  # the venues to refresh; empty: every venue


@asset(pool=WAREHOUSE_WRITERS, group_name=GROUP)
def warehouse_venue_timelines(
    context: AssetExecutionContext,
    config: TimelineConfig,
    platform_db: PlatformDatabase,
    warehouse: Warehouse,
) -> MaterializeResult[None]:
    """Venues' groups and devices over the next 7 days, by the API's resolver: the venues a
    publish touched (from the sensor), or every venue (the daily run)."""
    now = datetime.fromisoformat(config.as_of) if config.as_of else datetime.now(UTC)
    layout = warehouse.layout()
    venues = intervals = 0
    wanted = select(Venue.id).where(Venue.deleted_at.is_(None))
    if config.venue_ids:
        wanted = wanted.where(Venue.id.in_([uuid.UUID(v) for v in config.venue_ids]))
    with platform_db.unit_of_work() as session:
        for venue_id in session.scalars(wanted).all():
            rows = venue_timeline_rows(session, venue_id, now, TIMELINE_WINDOW)
            intervals += publishing.write_venue_timeline(layout, str(venue_id), rows)
            venues += 1
    context.log.info(f"{venues} venues, {intervals} intervals from {now.isoformat()}")
    return MaterializeResult(metadata={"venues": venues, "intervals": intervals})


publish_events_job = define_asset_job(
    "publish_events_daily",
    selection=[warehouse_publish_events],
    description="Copy one UTC day of PublishEvents and their snapshots (§26.11).",
    executor_def=in_process_executor,
)
venue_timelines_job = define_asset_job(
    "venue_timelines",
    selection=[warehouse_venue_timelines],
    description="Recompute every venue's 7-day timeline with the manifest resolver (§31).",
    executor_def=in_process_executor,
)


@schedule(
    name="publish_events_daily_schedule",  # the name it had when built from the job
    job=publish_events_job,
    cron_schedule="20 0 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def publish_events_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """Each night, the whole of the day that ended (the sensor copied it as it went; this
    catches what it missed). Not the partitioned job's last partition: that is today."""
    tick = context.scheduled_execution_time or datetime.now(UTC)
    day = (tick.astimezone(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    return RunRequest(run_key=f"publishes-{day}", partition_key=day)


venue_timelines_schedule = running_schedule(venue_timelines_job, "10 0 * * *")


@sensor(
    jobs=[publish_events_job, venue_timelines_job],
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
)
def publishes_sensor(context: SensorEvaluationContext, platform_db: PlatformDatabase):  # type: ignore[no-untyped-def]
    """After any publish, rollback or override: refresh the timelines of the venues it touched
    and the copy of the days it happened on. The cursor is the newest publish seen, so each
    publish triggers one refresh."""
    since = datetime.fromisoformat(context.cursor) if context.cursor else None
    with platform_db.unit_of_work() as session:
        newest, venue_ids, days = published_since(session, since)
    if newest is None:
        return SkipReason("nothing published since the last refresh")
    context.update_cursor(newest.isoformat())
    config = {"venue_ids": sorted(str(v) for v in venue_ids)}
    timelines = RunRequest(
        job_name=venue_timelines_job.name,
        run_key=f"timelines-{newest.isoformat()}",
        run_config={"ops": {"warehouse_venue_timelines": {"config": config}}},
    )
    copies = [
        RunRequest(
            job_name=publish_events_job.name,
            run_key=f"publishes-{day}-{newest.isoformat()}",
            partition_key=day,
        )
        for day in sorted(days)
    ]
    return [timelines, *copies]
