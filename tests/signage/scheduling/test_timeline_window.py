"""The timeline's window rule (§31.10) lives in the domain (signage.manifest.timeline), so /v1
and the web app's page of a screen read one copy of it. Pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from signage.errors import ValidationFailedError
from signage.manifest.timeline import DEFAULT_TIMELINE_WINDOW, timeline_window
from signage.scheduling.resolver import MAX_TIMELINE_WINDOW

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_no_window_asked_for_is_the_next_seven_days() -> None:
    assert timeline_window(None, None, NOW) == (NOW, NOW + DEFAULT_TIMELINE_WINDOW)
    assert timedelta(days=7) == DEFAULT_TIMELINE_WINDOW


def test_a_start_alone_runs_seven_days_from_it() -> None:
    start = NOW + timedelta(days=2)
    assert timeline_window(start, None, NOW) == (start, start + DEFAULT_TIMELINE_WINDOW)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW, NOW),  # empty
        (NOW, NOW - timedelta(hours=1)),  # ends before it starts
        (NOW, NOW + MAX_TIMELINE_WINDOW + timedelta(seconds=1)),  # over 14 days
    ],
)
def test_an_empty_or_overlong_window_is_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(ValidationFailedError, match="at most 14 days"):
        timeline_window(start, end, NOW)


def test_a_time_without_offset_is_refused() -> None:
    with pytest.raises(ValidationFailedError, match="UTC offset"):
        timeline_window(datetime(2026, 6, 1, 12), None, NOW)
