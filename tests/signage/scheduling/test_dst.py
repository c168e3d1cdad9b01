"""DST handling (§30.5): wall-clock intent, first valid instant, no skips, no oscillation.

Europe/London 2026: spring forward Sun 29 Mar 01:00 GMT -> 02:00 BST (01:00 UTC);
fall back Sun 25 Oct 02:00 BST -> 01:00 GMT (01:00 UTC).
America/New_York 2026: spring forward Sun 8 Mar 02:00 EST -> 03:00 EDT (07:00 UTC);
fall back Sun 1 Nov 02:00 EDT -> 01:00 EST (06:00 UTC).
America/Santiago 2026: spring forward Sun 6 Sep 00:00 -> 01:00 (04:00 UTC), across midnight.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from signage.scheduling import DeviceContext, SlotRule, TimelineInterval, resolve, timeline
from tests.signage.scheduling.builders import FALLBACK, SATURDAY, SUNDAY, context, slot, utc

LONDON = context(tz="Europe/London")
NEW_YORK = context(tz="America/New_York")
SANTIAGO = context(tz="America/Santiago")


def played(
    ctx: DeviceContext, slots: Sequence[SlotRule], start: datetime, end: datetime
) -> list[tuple[datetime, datetime, object]]:
    """(start, end, playlist) of each timeline interval."""
    intervals: list[TimelineInterval] = timeline(ctx, slots, [], start, end)
    return [(i.start_utc, i.end_utc, i.playlist_id) for i in intervals]


# Spring forward ------------------------------------------------------------------------


def test_london_slot_starting_in_the_gap_starts_at_the_transition() -> None:
    slots = [slot("01:30", "03:00", playlist="early")]
    before = resolve(LONDON, slots, [], utc(2026, 3, 29, 0, 59))
    assert before.playlist_id == FALLBACK
    assert before.valid_to_utc == utc(2026, 3, 29, 1)  # not 02:30 BST: no skipped change
    assert resolve(LONDON, slots, [], utc(2026, 3, 29, 1)).playlist_id == "early"
    assert played(LONDON, slots, utc(2026, 3, 29), utc(2026, 3, 29, 6)) == [
        (utc(2026, 3, 29), utc(2026, 3, 29, 1), FALLBACK),
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 2), "early"),  # 02:00-03:00 BST
        (utc(2026, 3, 29, 2), utc(2026, 3, 29, 6), FALLBACK),
    ]


def test_london_slot_ending_in_the_gap_ends_at_the_transition() -> None:
    slots = [slot("00:30", "01:30", playlist="short")]
    result = resolve(LONDON, slots, [], utc(2026, 3, 29, 0, 45))
    assert (result.playlist_id, result.valid_to_utc) == ("short", utc(2026, 3, 29, 1))


def test_london_slot_wholly_inside_the_gap_does_not_play() -> None:
    slots = [slot("01:15", "01:45", playlist="never")]
    intervals = played(LONDON, slots, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12))
    assert all(playlist != "never" for _, _, playlist in intervals)


def test_london_daily_slot_keeps_its_wall_clock_times_across_spring_forward() -> None:
    slots = [slot("09:00", "17:00", playlist="day")]
    intervals = played(LONDON, slots, utc(2026, 3, 28), utc(2026, 3, 30))
    days = [(start, end) for start, end, playlist in intervals if playlist == "day"]
    assert days == [
        (utc(2026, 3, 28, 9), utc(2026, 3, 28, 17)),  # GMT
        (utc(2026, 3, 29, 8), utc(2026, 3, 29, 16)),  # BST
    ]


def test_new_york_slot_starting_in_the_gap_starts_at_the_first_valid_instant() -> None:
    slots = [slot("02:30", "04:00", playlist="early")]
    assert played(NEW_YORK, slots, utc(2026, 3, 8, 5), utc(2026, 3, 8, 10)) == [
        (utc(2026, 3, 8, 5), utc(2026, 3, 8, 7), FALLBACK),
        (utc(2026, 3, 8, 7), utc(2026, 3, 8, 8), "early"),  # 03:00-04:00 EDT
        (utc(2026, 3, 8, 8), utc(2026, 3, 8, 10), FALLBACK),
    ]


def test_santiago_weekday_change_inside_a_midnight_gap_happens_at_the_transition() -> None:
    slots = [
        slot("00:00", "00:00", playlist="saturday", days=SATURDAY),
        slot("00:00", "00:00", playlist="sunday", days=SUNDAY),
    ]
    saturday_night = resolve(SANTIAGO, slots, [], utc(2026, 9, 6, 3))  # Sat 23:00 -04
    assert saturday_night.playlist_id == "saturday"
    assert saturday_night.valid_to_utc == utc(2026, 9, 6, 4)  # Sun 01:00 -03
    assert resolve(SANTIAGO, slots, [], utc(2026, 9, 6, 4)).playlist_id == "sunday"


# Fall back -----------------------------------------------------------------------------


def test_london_slot_in_the_repeated_hour_plays_once() -> None:
    slots = [slot("01:00", "01:30", playlist="once")]
    assert played(LONDON, slots, utc(2026, 10, 24, 23), utc(2026, 10, 25, 3)) == [
        (utc(2026, 10, 24, 23), utc(2026, 10, 25, 0), FALLBACK),
        (utc(2026, 10, 25, 0), utc(2026, 10, 25, 0, 30), "once"),  # 01:00-01:30 BST only
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 3), FALLBACK),
    ]


def test_london_wrap_slot_ending_in_the_repeated_hour_does_not_come_back() -> None:
    slots = [slot("22:00", "01:30", playlist="late")]
    intervals = played(LONDON, slots, utc(2026, 10, 24, 20), utc(2026, 10, 25, 4))
    assert [playlist for _, _, playlist in intervals] == [FALLBACK, "late", FALLBACK]
    assert intervals[1][:2] == (utc(2026, 10, 24, 21), utc(2026, 10, 25, 0, 30))


def test_london_playlist_showing_when_clocks_go_back_holds_through_the_repeat() -> None:
    slots = [slot("01:00", "01:30", playlist="a"), slot("01:30", "02:30", playlist="b")]
    assert played(LONDON, slots, utc(2026, 10, 25), utc(2026, 10, 25, 4)) == [
        (utc(2026, 10, 25), utc(2026, 10, 25, 0, 30), "a"),
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30), "b"),  # 01:30 BST-02:30 GMT
        (utc(2026, 10, 25, 2, 30), utc(2026, 10, 25, 4), FALLBACK),
    ]


def test_london_validity_inside_the_repeated_hour_points_past_it() -> None:
    slots = [slot("01:00", "01:30", playlist="a"), slot("02:00", "03:00", playlist="c")]
    result = resolve(LONDON, slots, [], utc(2026, 10, 25, 1, 10))  # 01:10 GMT, second pass
    assert result.playlist_id == FALLBACK
    assert result.valid_to_utc == utc(2026, 10, 25, 2)  # 02:00 GMT, when "c" starts


def test_new_york_slot_spanning_the_repeat_lasts_an_extra_hour() -> None:
    slots = [slot("01:00", "02:00", playlist="late")]
    intervals = played(NEW_YORK, slots, utc(2026, 11, 1, 4), utc(2026, 11, 1, 9))
    assert intervals == [
        (utc(2026, 11, 1, 4), utc(2026, 11, 1, 5), FALLBACK),
        (utc(2026, 11, 1, 5), utc(2026, 11, 1, 7), "late"),  # 01:00 EDT-02:00 EST
        (utc(2026, 11, 1, 7), utc(2026, 11, 1, 9), FALLBACK),
    ]


def test_every_minute_across_both_transitions_resolves_and_moves_forward() -> None:
    slots = [slot("00:30", "01:30", playlist="a"), slot("01:15", "02:45", playlist="b")]
    for day in (utc(2026, 3, 29), utc(2026, 10, 25)):
        for minute in range(0, 4 * 60):
            now = day + timedelta(minutes=minute)
            valid_to = resolve(LONDON, slots, [], now).valid_to_utc
            assert now < valid_to <= now + timedelta(hours=6)
