"""The Dagster code location of the platform (loaded by dagster_home/workspace.yaml)."""

from __future__ import annotations

from dagster import Definitions

from pipelines.alerts import alerts_evaluation, alerts_sensor
from pipelines.backups import platform_backup, platform_backup_schedule
from pipelines.ingestion import (
    failed_ingestion_sensor,
    ingest_asset_job,
    ingest_uploads_job,
    media_cleanup,
    media_cleanup_schedule,
    processing_assets_sensor,
)
from pipelines.monitoring import (
    WAREHOUSE_CHECKS,
    run_failure_alerts,
    run_success_resolves_alerts,
    warehouse_checks_job,
    warehouse_checks_schedule,
)
from pipelines.notifications import notifications_delivery, notifications_sensor
from pipelines.partitions import telemetry_partitions, telemetry_partitions_schedule
from pipelines.publishing import (
    publish_events_job,
    publish_events_schedule,
    publishes_sensor,
    venue_timelines_job,
    venue_timelines_schedule,
    warehouse_publish_events,
    warehouse_venue_timelines,
)
from pipelines.resources import deployment_resources
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
    asset_checks=WAREHOUSE_CHECKS,
    jobs=[
        presence_retention,
        device_housekeeping,
        telemetry_hourly_job,
        telemetry_daily_job,
        telemetry_retention,
        telemetry_partitions,
        ingest_asset_job,
        ingest_uploads_job,
        media_cleanup,
        alerts_evaluation,
        publish_events_job,
        venue_timelines_job,
        dagster_run_retention,
        notifications_delivery,
        warehouse_checks_job,
        platform_backup,
    ],
    schedules=[
        presence_retention_schedule,
        device_housekeeping_schedule,
        telemetry_hourly_schedule,
        telemetry_daily_schedule,
        telemetry_retention_schedule,
        telemetry_partitions_schedule,
        media_cleanup_schedule,
        publish_events_schedule,
        venue_timelines_schedule,
        dagster_run_retention_schedule,
        warehouse_checks_schedule,
        platform_backup_schedule,
    ],
    sensors=[
        processing_assets_sensor,
        failed_ingestion_sensor,
        publishes_sensor,
        alerts_sensor,
        notifications_sensor,
        run_failure_alerts,
        run_success_resolves_alerts,
    ],
    resources=deployment_resources(),
)
