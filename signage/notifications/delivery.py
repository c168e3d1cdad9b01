"""Sending due deliveries and recording every attempt. A delivery is claimed in a short
transaction (its next attempt moved past the send timeout, so a concurrent run skips it), sent
with no transaction open, then its outcome is recorded in another short transaction: a slow SMTP
server holds no database connection and no row lock."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.db.models import NotificationChannel, NotificationDelivery
from signage.enums import ChannelType, DeliveryStatus
from signage.notifications.policy import NotificationPolicy
from signage.notifications.retries import next_attempt_at
from signage.notifications.senders import Envelope, Outcome, Sender

CLAIM_LEASE = timedelta(minutes=2)  # longer than a send can take (timeouts of 10 s)
BATCH = 50  # deliveries per run; the rest wait for the next tick


@dataclass(frozen=True)
class Senders:
    email: Sender
    webhook: Sender

    def for_type(self, channel_type: ChannelType) -> Sender:
        return self.email if channel_type is ChannelType.EMAIL else self.webhook


@dataclass(frozen=True)
class DeliverySummary:
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(
    unit_of_work: Callable[[], AbstractContextManager[Session]],
    senders: Senders,
    now: Callable[[], datetime],
    policy: NotificationPolicy,
    rng: random.Random,
) -> DeliverySummary:
    with unit_of_work() as session:
        claimed = _claim(session, now())
    outcomes = [(job, _send(job, senders)) for job in claimed]
    counts = {status: 0 for status in DeliveryStatus}
    with unit_of_work() as session:
        for job, outcome in outcomes:
            status = record_attempt(session, job.delivery_id, outcome, now(), policy, rng)
            counts[status] += 1
    return DeliverySummary(
        attempted=len(outcomes),
        delivered=counts[DeliveryStatus.DELIVERED],
        retrying=counts[DeliveryStatus.PENDING],
        failed=counts[DeliveryStatus.FAILED],
    )


@dataclass(frozen=True)
class _Job:
    delivery_id: uuid.UUID
    channel_type: ChannelType
    envelope: Envelope


def _claim(session: Session, now: datetime) -> list[_Job]:
    rows = session.execute(
        select(NotificationDelivery, NotificationChannel)
        .join(NotificationChannel, NotificationChannel.id == NotificationDelivery.channel_id)
        .where(
            NotificationDelivery.status == DeliveryStatus.PENDING,
            NotificationDelivery.next_attempt_at <= now,
        )
        .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=NotificationDelivery)
    )
    jobs = []
    for delivery, channel in rows:
        delivery.next_attempt_at = now + CLAIM_LEASE
        envelope = Envelope(
            recipients=tuple(channel.recipients),
            url=channel.url,
            secret=channel.secret,
            message=delivery.message,
            timestamp=int(now.timestamp()),
        )
        jobs.append(_Job(delivery.id, channel.type, envelope))
    return jobs


def _send(job: _Job, senders: Senders) -> Outcome:
    try:
        return senders.for_type(job.channel_type)(job.envelope)
    except Exception as error:  # a sender's bug must not lose the attempt's record
        return Outcome(False, f"{type(error).__name__}")


def record_attempt(
    session: Session,
    delivery_id: uuid.UUID,
    outcome: Outcome,
    now: datetime,
    policy: NotificationPolicy,
    rng: random.Random,
) -> DeliveryStatus:
    """Append the attempt, then deliver, retry later or give up; keep the channel's health."""
    delivery = session.get_one(NotificationDelivery, delivery_id, with_for_update=True)
    channel = session.get_one(NotificationChannel, delivery.channel_id)
    attempt = {"atUtc": now.isoformat(), "ok": outcome.ok, "error": outcome.error}
    delivery.attempts = [*delivery.attempts, attempt]
    if outcome.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            now,
            None,
        )
        channel.consecutive_failures, channel.failing_since = 0, None
        return delivery.status
    failures = sum(1 for a in delivery.attempts if not a["ok"])
    retry = next_attempt_at(failures, now, delivery.give_up_at, policy, rng)
    delivery.next_attempt_at = retry
    delivery.status = DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED
    channel.consecutive_failures += 1
    channel.failing_since = channel.failing_since or now
    return delivery.status


def is_failing(channel: NotificationChannel, policy: NotificationPolicy) -> bool:
    """Flagged: its last `failing_after` attempts or more all failed."""
    return channel.consecutive_failures >= policy.failing_after
