"""Resolver inputs refuse what the database would refuse (§26.8, §30.10) and naive datetimes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from signage.scheduling.model import weekday_bit
from tests.signage.scheduling.builders import override, slot, utc


@pytest.mark.parametrize("mask", [0, 128, -1])
def test_day_mask_outside_1_to_127_is_rejected(mask: int) -> None:
    with pytest.raises(ValueError, match="days_of_week_mask"):
        slot("09:00", "10:00", days=mask)


@pytest.mark.parametrize(("start", "end"), [("24:00", "10:00"), ("09:00", "24:00")])
def test_minutes_outside_0_to_1439_are_rejected(start: str, end: str) -> None:
    with pytest.raises(ValueError, match="_minutes"):
        slot(start, end)


def test_date_range_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="valid_from_date"):
        slot("09:00", "10:00", valid_from=date(2026, 6, 2), valid_to=date(2026, 6, 1))


def test_single_day_date_range_is_allowed() -> None:
    one_day = date(2026, 6, 1)
    assert slot("09:00", "10:00", valid_from=one_day, valid_to=one_day).starts_on(one_day)


def test_naive_slot_update_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        slot("09:00", "10:00", updated=datetime(2026, 1, 1))


def test_naive_override_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        override(datetime(2026, 6, 1, 9))
    with pytest.raises(ValueError, match="timezone-aware"):
        override(utc(2026, 6, 1, 9), datetime(2026, 6, 1, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        override(utc(2026, 6, 1, 9), created=datetime(2026, 1, 1))


def test_override_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="ends_at_utc"):
        override(utc(2026, 6, 1, 9), utc(2026, 6, 1, 9))


def test_override_stops_at_the_earlier_of_end_and_cancellation() -> None:
    ends, cancelled = utc(2026, 6, 1, 12), utc(2026, 6, 1, 10)
    assert override(utc(2026, 6, 1, 9), ends, cancelled=cancelled).stops_at_utc == cancelled
    assert override(utc(2026, 6, 1, 9), cancelled=None).stops_at_utc is None


def test_weekday_bits_run_from_monday_bit_0_to_sunday_bit_6() -> None:
    assert weekday_bit(date(2026, 6, 1)) == 1  # a Monday
    assert weekday_bit(date(2026, 6, 7)) == 64  # a Sunday


def test_wrap_is_end_at_or_before_start() -> None:
    assert slot("21:00", "02:00").wraps
    assert slot("06:00", "06:00").wraps
    assert not slot("06:00", "06:01").wraps
