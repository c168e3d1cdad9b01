"""The Dagster code location of the platform (loaded by dagster_home/workspace.yaml)."""

from __future__ import annotations

from dagster import Definitions

from pipelines.alerts import alerts_evaluation, alerts_sensor
from pipelines.ingestion import (
    MediaStorage,
    failed_ingestion_sensor,
    ingest_asset_job,
    media_cleanup,
    media_cleanup_schedule,
    processing_assets_sensor,
)
from pipelines.publishing import (
    publish_events_job,
    publish_events_schedule,
    publishes_sensor,
    venue_timelines_job,
    venue_timelines_schedule,
    warehouse_publish_events,
    warehouse_venue_timelines,
)
from pipelines.resources import PlatformDatabase, Warehouse
from pipelines.retention import (
    device_housekeeping,
    device_housekeeping_schedule,
    presence_retention,
    presence_retention_schedule,
    telemetry_retention,
    telemetry_retention_schedule,
)
from pipelines.rollups import (
    HOURLY_ROLLUP_ASSETS,
    telemetry_daily_job,
    telemetry_daily_schedule,
    telemetry_hourly_job,
    telemetry_hourly_schedule,
    warehouse_device_daily,
)
from pipelines.run_retention import dagster_run_retention, dagster_run_retention_schedule
from pipelines.telemetry import warehouse_events, warehouse_heartbeats

defs = Definitions(
    assets=[
        warehouse_heartbeats,
        warehouse_events,
        *HOURLY_ROLLUP_ASSETS,
        warehouse_device_daily,
        warehouse_publish_events,
        warehouse_venue_timelines,
    ],
    jobs=[
        presence_retention,
        device_housekeeping,
        telemetry_hourly_job,
        telemetry_daily_job,
        telemetry_retention,
        ingest_asset_job,
        media_cleanup,
        alerts_evaluation,
        publish_events_job,
        venue_timelines_job,
        dagster_run_retention,
    ],
    schedules=[
        presence_retention_schedule,
        device_housekeeping_schedule,
        telemetry_hourly_schedule,
        telemetry_daily_schedule,
        telemetry_retention_schedule,
        media_cleanup_schedule,
        publish_events_schedule,
        venue_timelines_schedule,
        dagster_run_retention_schedule,
    ],
    sensors=[processing_assets_sensor, failed_ingestion_sensor, publishes_sensor, alerts_sensor],
    resources={
        "platform_db": PlatformDatabase(),
        "warehouse": Warehouse(),
        "media": MediaStorage(),
    },
)
