"""Alert notifications (issue 17 item 2): plan messages from alert changes and send the due
deliveries, with retries, backoff and jitter, never in an API request.

Like `alerts_sensor`, the work runs in the sensor's tick (a run per tick would start a process
every 30 s for what is usually nothing to send). A tick sends at most `delivery.BATCH`
deliveries, each bounded by a 10 s timeout; the rest wait for the next tick. The
`notifications_delivery` job does the same on demand from the UI.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

import random
from datetime import UTC, datetime

from dagster import (
    DefaultSensorStatus,
    OpExecutionContext,
    SensorEvaluationContext,
    SkipReason,
    in_process_executor,
    job,
    op,
)
from dagster import sensor as dagster_sensor

from pipelines.resources import PlatformDatabase, platform_settings
from signage.config import Settings
from signage.notifications.delivery import Senders, deliver_due
from signage.notifications.policy import NotificationPolicy
from signage.notifications.queueing import queue_notifications
from signage.notifications.senders import SmtpSender, WebhookSender


def notify(platform_db: PlatformDatabase, settings: Settings) -> dict[str, int]:
    """Queue what alert changes call for, then send what is due; what it did."""
    policy = NotificationPolicy.from_settings(settings)
    with platform_db.unit_of_work() as session:
        queued = queue_notifications(session, datetime.now(UTC), policy)
    senders = Senders(
        email=SmtpSender.from_settings(settings), webhook=WebhookSender(settings.environment)
    )
    sent = deliver_due(
        platform_db.unit_of_work, senders, lambda: datetime.now(UTC), policy, random.Random()
    )
    return {
        "queued": queued.queued,
        "held": queued.held,
        "attempted": sent.attempted,
        "delivered": sent.delivered,
        "retrying": sent.retrying,
        "failed": sent.failed,
    }


@op
def send_notifications(
    context: OpExecutionContext, platform_db: PlatformDatabase
) -> dict[str, int]:
    """Queue notifications for alert changes and send the due deliveries."""
    counts = notify(platform_db, platform_settings())
    context.log.info(f"notifications: {counts}")
    return counts


@job(
    description="Queue alert notifications and send the due deliveries now (issue 17);"
    " notifications_sensor does it every 30 s without a run.",
    tags={"pipeline": "notifications"},
    executor_def=in_process_executor,
)
def notifications_delivery() -> None:
    send_notifications()


@dagster_sensor(minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
def notifications_sensor(
    context: SensorEvaluationContext, platform_db: PlatformDatabase
) -> SkipReason:
    """Notify in the tick itself and launch no run; counts only, never addresses or URLs."""
    counts = notify(platform_db, platform_settings())
    context.log.info(f"notifications: {counts}")
    return SkipReason(f"notifications handled in the tick, no run: {counts}")
