"""Alerts (§21, §29.4.10): the rules evaluated over the whole fleet every minute, so a device
that has missed its third heartbeat is flagged by the next tick, within 2 minutes of that.

The minute-by-minute evaluation is a sensor that evaluates in its own tick, in the code
location's already-running process: as a run (a new process per minute, 1,440 runs a day) it
cost ~8.5 s of CPU each on the 2-core box, in the tick ~0.01 s (bench/alerts_run.py, issue 15
item 10). The `alerts_evaluation` job stays for a manual run from the UI.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from datetime import UTC, datetime

from dagster import (
    DefaultSensorStatus,
    OpExecutionContext,
    SensorEvaluationContext,
    SkipReason,
    in_process_executor,
    job,
    op,
    sensor,
)

from pipelines.resources import PlatformDatabase, alert_thresholds
from signage.alerts.evaluation import evaluate_alerts


def evaluate_fleet(platform_db: PlatformDatabase) -> dict[str, int]:
    """Open, refresh and resolve alerts from the fleet's latest telemetry; what it did."""
    thresholds = alert_thresholds()
    with platform_db.unit_of_work() as session:
        summary = evaluate_alerts(session, datetime.now(UTC), thresholds)
    return {
        "devices": summary.devices,
        "trueNow": summary.true_now,
        "opened": summary.opened,
        "refreshed": summary.refreshed,
        "resolved": summary.resolved,
        # another evaluation held the lock: this one changed nothing
        "skipped": int(summary.skipped),
    }


@op
def evaluate_fleet_alerts(
    context: OpExecutionContext, platform_db: PlatformDatabase
) -> dict[str, int]:
    """Open, refresh and resolve alerts from the fleet's latest telemetry."""
    counts = evaluate_fleet(platform_db)
    context.log.info(f"alerts: {counts}")
    return counts


@job(
    description="Evaluate the alert rules and reconcile the alerts table now (§21, §29.4.10);"
    " alerts_sensor does it every minute without a run.",
    tags={"pipeline": "alerts"},
    executor_def=in_process_executor,
)
def alerts_evaluation() -> None:
    evaluate_fleet_alerts()


@sensor(minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING)
def alerts_sensor(context: SensorEvaluationContext, platform_db: PlatformDatabase) -> SkipReason:
    """Evaluate the alerts in the tick itself and launch no run. The tick shows as skipped
    with what the evaluation did; an error fails the tick, which the UI shows."""
    counts = evaluate_fleet(platform_db)
    context.log.info(f"alerts: {counts}")
    return SkipReason(f"alerts evaluated in the tick, no run: {counts}")
