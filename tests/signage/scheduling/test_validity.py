"""valid_to_utc is the next instant the answer can change, clamped to now + 6 h (§31.6)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from signage.enums import SlotTargetType
from signage.scheduling import MAX_VALIDITY, SlotRule, resolve
from tests.signage.scheduling.builders import MONDAY, TUESDAY, context, slot, utc

CTX = context(tz="UTC")


def valid_to(slots: list[SlotRule], when: datetime) -> datetime:
    return resolve(CTX, slots, [], when).valid_to_utc


def test_validity_ends_at_the_next_slot_start() -> None:
    assert valid_to([slot("09:00", "17:00")], utc(2026, 6, 1, 8)) == utc(2026, 6, 1, 9)


def test_validity_ends_at_the_current_slot_end() -> None:
    assert valid_to([slot("09:00", "10:00")], utc(2026, 6, 1, 9, 15)) == utc(2026, 6, 1, 10)


def test_validity_ends_when_a_better_slot_starts() -> None:
    slots = [slot("09:00", "17:00", priority=0), slot("12:00", "13:00", priority=5)]
    assert valid_to(slots, utc(2026, 6, 1, 10)) == utc(2026, 6, 1, 12)


def test_worse_slot_starting_does_not_shorten_validity() -> None:
    slots = [
        slot("09:00", "14:00", target=SlotTargetType.DEVICE),
        slot("10:00", "11:00", priority=50),
    ]
    assert valid_to(slots, utc(2026, 6, 1, 9, 30)) == utc(2026, 6, 1, 14)


def test_validity_ends_at_the_wrap_end_after_midnight() -> None:
    assert valid_to([slot("21:00", "02:00")], utc(2026, 6, 1, 22)) == utc(2026, 6, 2, 2)


def test_validity_ends_at_local_midnight_when_the_weekday_mask_changes() -> None:
    slots = [slot("00:00", "00:00", playlist="monday", days=MONDAY)]
    slots.append(slot("00:00", "00:00", playlist="tuesday", days=TUESDAY))
    assert valid_to(slots, utc(2026, 6, 1, 21)) == utc(2026, 6, 2)


def test_validity_is_not_cut_at_midnight_when_the_same_slot_continues() -> None:
    every_day = [slot("00:00", "00:00")]
    assert valid_to(every_day, utc(2026, 6, 1, 21)) == utc(2026, 6, 2, 3)


def test_validity_ends_at_a_date_range_bound() -> None:
    slots = [slot("00:00", "00:00", valid_to=date(2026, 6, 1))]
    assert valid_to(slots, utc(2026, 6, 1, 20)) == utc(2026, 6, 2)
    starting = [slot("00:00", "00:00", valid_from=date(2026, 6, 2))]
    assert valid_to(starting, utc(2026, 6, 1, 20)) == utc(2026, 6, 2)


def test_validity_is_clamped_to_six_hours() -> None:
    now = utc(2026, 6, 1, 1, 0, 30)
    assert valid_to([], now) == now + MAX_VALIDITY
    assert valid_to([slot("23:00", "23:30")], now) == now + MAX_VALIDITY


def test_validity_in_a_local_timezone_is_returned_in_utc() -> None:
    london = context(tz="Europe/London")
    result = resolve(london, [slot("09:00", "17:00")], [], utc(2026, 6, 1, 7))
    assert result.valid_to_utc == utc(2026, 6, 1, 8)  # 09:00 BST
    assert result.valid_to_utc.tzinfo is not None
    assert result.valid_to_utc.utcoffset() == timedelta(0)
