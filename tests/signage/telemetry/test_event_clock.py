"""Events a broken device clock dated more than a day ahead are skipped one by one (§30.9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from signage.enums import DeviceEventType, EventSeverity
from signage.telemetry.ingest import EVENT_TIME_AHEAD, Event, SkippedEvent, split_by_clock

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def event_at(moment: datetime) -> Event:
    return Event(None, DeviceEventType.APP_STARTED, EventSeverity.INFO, moment, {})


def test_only_the_events_more_than_a_day_ahead_are_skipped() -> None:
    past = event_at(NOW - timedelta(hours=3))
    skewed = event_at(NOW + timedelta(days=1))  # exactly a day: skew, kept
    broken = event_at(NOW + timedelta(days=1, seconds=1))
    kept, skipped = split_by_clock([past, broken, skewed, broken], NOW)
    assert kept == [past, skewed]
    assert skipped == [SkippedEvent(1, EVENT_TIME_AHEAD), SkippedEvent(3, EVENT_TIME_AHEAD)]


def test_a_batch_in_time_is_kept_whole() -> None:
    batch = [event_at(NOW), event_at(NOW - timedelta(days=6))]
    assert split_by_clock(batch, NOW) == (batch, [])
