"""How alerts become messages and how hard deliveries try, from the SIGNAGE_NOTIFY_* settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from signage.config import Settings


@dataclass(frozen=True)
class NotificationPolicy:
    group_window: timedelta = timedelta(minutes=3)
    renotify_interval: timedelta = timedelta(hours=4)
    retry_window: timedelta = timedelta(hours=24)
    first_retry: timedelta = timedelta(seconds=30)
    longest_retry: timedelta = timedelta(hours=1)
    failing_after: int = 3  # consecutive failed attempts before a channel is flagged

    @classmethod
    def from_settings(cls, settings: Settings) -> NotificationPolicy:
        return cls(
            group_window=timedelta(seconds=settings.notify_group_seconds),
            renotify_interval=timedelta(hours=settings.notify_renotify_hours),
            retry_window=timedelta(hours=settings.notify_retry_hours),
            failing_after=settings.notify_failing_after,
        )
