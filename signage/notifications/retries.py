"""When to try a failed delivery again: exponential backoff with full jitter, capped, and never
past the delivery's give-up time (at most 24 h after it was queued)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from signage.notifications.policy import NotificationPolicy


def next_attempt_at(
    failed_attempts: int,
    now: datetime,
    give_up_at: datetime,
    policy: NotificationPolicy,
    rng: random.Random,
) -> datetime | None:
    """The next try after `failed_attempts` failures, or None: give up (mark it FAILED).
    The delay doubles from `first_retry` up to `longest_retry`; jitter draws it uniformly from
    its upper half, so deliveries that failed together (an SMTP outage) do not retry together."""
    exponent = min(max(failed_attempts - 1, 0), 30)
    ceiling = min(policy.first_retry * (2**exponent), policy.longest_retry)
    delay = ceiling * rng.uniform(0.5, 1.0)
    when = now + max(delay, timedelta(seconds=1))
    return when if when <= give_up_at else None
