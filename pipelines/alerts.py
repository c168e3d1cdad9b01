"""Alerts (§21, §29.4.10): the rules evaluated over the whole fleet every minute, so a device
that has missed its third heartbeat is flagged by the next tick, within 2 minutes of that.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from datetime import UTC, datetime

from dagster import (
    DefaultScheduleStatus,
    OpExecutionContext,
    ScheduleDefinition,
    in_process_executor,
    job,
    op,
)

from pipelines.resources import PlatformDatabase
from signage.alerts.evaluation import evaluate_alerts
from signage.alerts.rules import AlertThresholds
from signage.config import Settings


@op
def evaluate_fleet_alerts(
    context: OpExecutionContext, platform_db: PlatformDatabase
) -> dict[str, int]:
    """Open, refresh and resolve alerts from the fleet's latest telemetry."""
    thresholds = AlertThresholds.from_settings(Settings())
    with platform_db.unit_of_work() as session:
        summary = evaluate_alerts(session, datetime.now(UTC), thresholds)
    if summary.skipped:
        context.log.info("another alert evaluation is running; this tick skips")
    else:
        context.log.info(f"alerts: {summary}")
    return {
        "devices": summary.devices,
        "trueNow": summary.true_now,
        "opened": summary.opened,
        "refreshed": summary.refreshed,
        "resolved": summary.resolved,
        "skipped": int(summary.skipped),
    }


# In-process: a one-op run every minute should cost ~1 s, not a process start (DESIGN.md).
@job(
    description="Evaluate the alert rules and reconcile the alerts table (§21, §29.4.10).",
    tags={"pipeline": "alerts"},
    executor_def=in_process_executor,
)
def alerts_evaluation() -> None:
    evaluate_fleet_alerts()


alerts_evaluation_schedule = ScheduleDefinition(
    job=alerts_evaluation,
    cron_schedule="* * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
