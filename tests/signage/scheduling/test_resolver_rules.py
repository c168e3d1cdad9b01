"""The resolution rules of §7, §30.4 and §31.3-31.5, in a timezone without DST (UTC).

2026-06-01 is a Monday; times below are UTC and therefore also local.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from signage.enums import SlotTargetType
from signage.scheduling import (
    DeviceContext,
    FallbackSource,
    OverrideRule,
    Resolution,
    ResolutionReason,
    SlotRule,
    resolve,
)
from tests.signage.scheduling.builders import (
    BASE_UPDATED,
    FALLBACK,
    GROUP,
    MONDAY,
    OTHER_GROUP,
    SUNDAY,
    TUESDAY,
    context,
    slot,
    utc,
)

UTC_VENUE = context(tz="UTC")


def at(
    when: datetime,
    slots: Sequence[SlotRule],
    overrides: Sequence[OverrideRule] = (),
    ctx: DeviceContext = UTC_VENUE,
) -> Resolution:
    return resolve(ctx, slots, overrides, when)


def playlist_at(when: datetime, slots: Sequence[SlotRule]) -> object:
    return at(when, slots).playlist_id


# §31.3 slot matching -------------------------------------------------------------------


def test_window_includes_its_start_minute_and_excludes_its_end_minute() -> None:
    slots = [slot("09:00", "17:00", playlist="day")]
    assert playlist_at(utc(2026, 6, 1, 8, 59), slots) == FALLBACK
    assert playlist_at(utc(2026, 6, 1, 9, 0), slots) == "day"
    assert playlist_at(utc(2026, 6, 1, 16, 59, 59), slots) == "day"
    assert playlist_at(utc(2026, 6, 1, 17, 0), slots) == FALLBACK


def test_weekday_mask_selects_days() -> None:
    slots = [slot("09:00", "17:00", playlist="monday", days=MONDAY)]
    assert playlist_at(utc(2026, 6, 1, 12), slots) == "monday"
    assert playlist_at(utc(2026, 6, 2, 12), slots) == FALLBACK


def test_disabled_slot_never_matches() -> None:
    assert playlist_at(utc(2026, 6, 1, 12), [slot("00:00", "00:00", enabled=False)]) == FALLBACK


def test_slots_for_other_devices_and_groups_do_not_match() -> None:
    slots = [
        slot("00:00", "00:00", target=SlotTargetType.DEVICE, target_id="dev-other"),
        slot("00:00", "00:00", target_id=OTHER_GROUP),
    ]
    assert playlist_at(utc(2026, 6, 1, 12), slots) == FALLBACK


def test_every_group_of_the_device_contributes_slots() -> None:
    slots = [slot("09:00", "10:00", playlist="second-group", target_id=OTHER_GROUP)]
    ctx = context(tz="UTC", groups=(GROUP, OTHER_GROUP))
    assert at(utc(2026, 6, 1, 9, 30), slots, ctx=ctx).playlist_id == "second-group"


def test_device_without_groups_gets_only_its_device_slots() -> None:
    slots = [
        slot("09:00", "10:00", playlist="group"),
        slot("11:00", "12:00", playlist="device", target=SlotTargetType.DEVICE),
    ]
    ctx = context(tz="UTC", groups=())
    assert at(utc(2026, 6, 1, 9, 30), slots, ctx=ctx).playlist_id == FALLBACK
    assert at(utc(2026, 6, 1, 11, 30), slots, ctx=ctx).playlist_id == "device"


def test_ids_match_whether_given_as_uuid_or_string() -> None:
    group = uuid.uuid4()
    slots = [slot("00:00", "00:00", playlist="by-uuid", target_id=str(group))]
    ctx = context(tz="UTC", groups=(group,))
    assert at(utc(2026, 6, 1, 12), slots, ctx=ctx).playlist_id == "by-uuid"


# §30.4 midnight wrap -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (utc(2026, 6, 1, 20, 59), FALLBACK),  # Monday before the start
        (utc(2026, 6, 1, 21, 0), "late"),  # Monday start
        (utc(2026, 6, 1, 23, 59), "late"),
        (utc(2026, 6, 2, 0, 0), "late"),  # Tuesday: continuation of Monday
        (utc(2026, 6, 2, 1, 59), "late"),
        (utc(2026, 6, 2, 2, 0), FALLBACK),  # end is exclusive
        (utc(2026, 6, 2, 21, 0), FALLBACK),  # Tuesday is not in the mask
        (utc(2026, 6, 1, 1, 0), FALLBACK),  # Monday morning: Sunday is not in the mask
    ],
)
def test_wrap_slot_weekday_is_the_day_it_started(when: datetime, expected: str) -> None:
    assert playlist_at(when, [slot("21:00", "02:00", playlist="late", days=MONDAY)]) == expected


def test_wrap_continuation_applies_on_a_day_outside_the_mask() -> None:
    sunday_night = [slot("22:00", "03:00", playlist="sunday-night", days=SUNDAY)]
    assert playlist_at(utc(2026, 6, 1, 2, 30), sunday_night) == "sunday-night"  # Monday


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (utc(2026, 6, 1, 5, 59), FALLBACK),
        (utc(2026, 6, 1, 6, 0), "all-day"),
        (utc(2026, 6, 2, 5, 59), "all-day"),  # 24 h later, still the Monday occurrence
        (utc(2026, 6, 2, 6, 0), FALLBACK),
    ],
)
def test_start_equal_to_end_is_a_24_hour_wrap(when: datetime, expected: str) -> None:
    assert playlist_at(when, [slot("06:00", "06:00", playlist="all-day", days=MONDAY)]) == expected


def test_midnight_to_midnight_is_the_whole_day() -> None:
    slots = [slot("00:00", "00:00", playlist="monday", days=MONDAY)]
    assert playlist_at(utc(2026, 6, 1, 0, 0), slots) == "monday"
    assert playlist_at(utc(2026, 6, 1, 23, 59), slots) == "monday"
    assert playlist_at(utc(2026, 6, 2, 0, 0), slots) == FALLBACK


def test_end_at_midnight_means_until_midnight() -> None:
    slots = [slot("18:00", "00:00", playlist="evening", days=MONDAY)]
    assert playlist_at(utc(2026, 6, 1, 23, 59), slots) == "evening"
    assert playlist_at(utc(2026, 6, 2, 0, 0), slots) == FALLBACK


# Optional date range -------------------------------------------------------------------


def test_date_range_bounds_are_inclusive_local_dates() -> None:
    slots = [slot("09:00", "17:00", valid_from=date(2026, 6, 2), valid_to=date(2026, 6, 3))]
    assert playlist_at(utc(2026, 6, 1, 12), slots) == FALLBACK
    assert playlist_at(utc(2026, 6, 2, 12), slots) == "pl-slot"
    assert playlist_at(utc(2026, 6, 3, 12), slots) == "pl-slot"
    assert playlist_at(utc(2026, 6, 4, 12), slots) == FALLBACK


def test_wrap_occurrence_starting_on_valid_to_date_runs_past_midnight() -> None:
    slots = [slot("22:00", "02:00", valid_to=date(2026, 6, 1))]
    assert playlist_at(utc(2026, 6, 2, 1, 0), slots) == "pl-slot"
    assert playlist_at(utc(2026, 6, 2, 22, 0), slots) == FALLBACK


def test_wrap_continuation_before_valid_from_date_does_not_apply() -> None:
    slots = [slot("22:00", "02:00", valid_from=date(2026, 6, 2))]
    assert playlist_at(utc(2026, 6, 2, 1, 0), slots) == FALLBACK  # began on June 1
    assert playlist_at(utc(2026, 6, 2, 22, 0), slots) == "pl-slot"


# §7 / §31.4 precedence -----------------------------------------------------------------


def test_device_slot_beats_group_slot_even_with_lower_priority() -> None:
    slots = [
        slot("09:00", "17:00", playlist="group", priority=100),
        slot("09:00", "17:00", playlist="device", target=SlotTargetType.DEVICE, priority=-5),
    ]
    result = at(utc(2026, 6, 1, 12), slots)
    assert (result.playlist_id, result.reason) == ("device", ResolutionReason.DEVICE_SLOT)
    assert result.rule_id == slots[1].slot_id


def test_group_slot_plays_when_no_device_slot_is_active() -> None:
    slots = [
        slot("09:00", "10:00", playlist="device", target=SlotTargetType.DEVICE),
        slot("09:00", "17:00", playlist="group"),
    ]
    result = at(utc(2026, 6, 1, 12), slots)
    assert (result.playlist_id, result.reason) == ("group", ResolutionReason.GROUP_SLOT)


def test_higher_priority_number_wins() -> None:
    slots = [slot("09:00", "17:00", playlist="low", priority=1)]
    slots.append(slot("09:00", "17:00", playlist="high", priority=2))
    assert playlist_at(utc(2026, 6, 1, 12), slots) == "high"


def test_latest_updated_resolves_priority_ties() -> None:
    older = slot("09:00", "17:00", playlist="older", updated=utc(2026, 5, 1))
    newer = slot("09:00", "17:00", playlist="newer", updated=utc(2026, 5, 2))
    assert playlist_at(utc(2026, 6, 1, 12), [newer, older]) == "newer"
    assert playlist_at(utc(2026, 6, 1, 12), [older, newer]) == "newer"


def test_smaller_id_resolves_full_ties_whatever_the_input_order() -> None:
    first = slot("09:00", "17:00", playlist="a", slot_id="slot-a", updated=BASE_UPDATED)
    second = slot("09:00", "17:00", playlist="b", slot_id="slot-b", updated=BASE_UPDATED)
    assert playlist_at(utc(2026, 6, 1, 12), [first, second]) == "a"
    assert playlist_at(utc(2026, 6, 1, 12), [second, first]) == "a"


def test_same_inputs_give_identical_results() -> None:
    slots = [slot("09:00", "17:00", priority=p, playlist=f"p{p}") for p in range(5)]
    assert at(utc(2026, 6, 1, 12), slots) == at(utc(2026, 6, 1, 12), list(reversed(slots)))


# §31.5 fallback chain ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("venue", "tenant", "last", "expected", "source"),
    [
        ("pl-v", "pl-t", "pl-l", "pl-v", FallbackSource.VENUE_FALLBACK),
        (None, "pl-t", "pl-l", "pl-t", FallbackSource.TENANT_DEFAULT),
        (None, None, "pl-l", "pl-l", FallbackSource.LAST_PUBLISHED),
    ],
)
def test_fallback_chain_order(
    venue: str | None, tenant: str | None, last: str, expected: str, source: FallbackSource
) -> None:
    ctx = context(tz="UTC", fallback=venue, tenant_default=tenant, last_published=last)
    result = at(utc(2026, 6, 1, 12), [], ctx=ctx)
    assert (result.playlist_id, result.reason) == (expected, ResolutionReason.FALLBACK)
    assert result.decision.fallback_source is source
    assert result.rule_id is None


def test_no_slot_and_no_fallback_gives_no_playlist() -> None:
    result = at(utc(2026, 6, 1, 12), [], ctx=context(tz="UTC", fallback=None))
    assert (result.playlist_id, result.reason) == (None, ResolutionReason.NONE)


# §30.2 effective timezone --------------------------------------------------------------


def test_device_timezone_beats_venue_timezone_beats_tenant_default() -> None:
    slots = [slot("09:00", "10:00", playlist="nine")]
    when = utc(2026, 6, 1, 8, 30)  # 09:30 in London (BST), 04:30 in New York
    london = context(tz="Europe/London", tenant_tz="America/New_York")
    assert at(when, slots, ctx=london).playlist_id == "nine"
    device_ny = context(tz="Europe/London", device_tz="America/New_York")
    assert at(when, slots, ctx=device_ny).timezone == "America/New_York"
    assert at(when, slots, ctx=device_ny).playlist_id == FALLBACK
    tenant_only = context(tz=None, tenant_tz="Europe/London")
    assert at(when, slots, ctx=tenant_only).timezone == "Europe/London"


def test_unknown_timezone_names_fall_through_to_the_next_source() -> None:
    ctx = context(tz="Mars/Olympus_Mons", device_tz="Not/AZone", tenant_tz="Europe/London")
    assert at(utc(2026, 6, 1, 12), [], ctx=ctx).timezone == "Europe/London"


def test_no_valid_timezone_is_an_error() -> None:
    with pytest.raises(ValueError, match="timezone"):
        at(utc(2026, 6, 1, 12), [], ctx=context(tz="Nowhere/Land", tenant_tz="Also/Nowhere"))


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        at(datetime(2026, 6, 1, 12), [])


def test_now_in_another_offset_means_the_same_instant() -> None:
    slots = [slot("09:00", "10:00", playlist="nine")]
    tokyo_time = utc(2026, 6, 1, 9, 30).astimezone(ZoneInfo("Asia/Tokyo"))
    assert at(tokyo_time, slots) == at(utc(2026, 6, 1, 9, 30), slots)


def test_tuesday_mask_matches_tuesday_only() -> None:
    slots = [slot("00:00", "00:00", playlist="tuesday", days=TUESDAY, target_id=GROUP)]
    assert playlist_at(utc(2026, 6, 2, 12), slots) == "tuesday"
    assert playlist_at(utc(2026, 6, 3, 12), slots) == FALLBACK
