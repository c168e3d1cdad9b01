"""timeline() windows and merging; next_check_seconds jitter and caps; the compiled form."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from signage.enums import SlotTargetType
from signage.scheduling import (
    MAX_TIMELINE_WINDOW,
    compile_schedule,
    next_check_seconds,
    resolve,
    resolve_compiled,
    timeline,
)
from signage.scheduling.resolver import JITTER_FRACTION
from tests.signage.scheduling.builders import OTHER_GROUP, context, override, slot, utc

CTX = context(tz="Europe/London")
START = utc(2026, 6, 1)

# timeline ------------------------------------------------------------------------------


def test_timeline_covers_the_window_contiguously_without_equal_neighbours() -> None:
    slots = [slot("09:00", "17:00", playlist="day"), slot("21:00", "02:00", playlist="night")]
    takeover = override(utc(2026, 6, 2, 10), utc(2026, 6, 2, 11))
    intervals = timeline(CTX, slots, [takeover], START, START + timedelta(days=3))
    assert intervals[0].start_utc == START
    assert intervals[-1].end_utc == START + timedelta(days=3)
    for earlier, later in pairwise(intervals):
        assert earlier.end_utc == later.start_utc
        assert earlier.decision != later.decision


def test_timeline_merges_across_validity_clamps() -> None:
    intervals = timeline(CTX, [slot("00:00", "00:00")], [], START, START + timedelta(days=2))
    assert len(intervals) == 1


def test_timeline_agrees_with_resolve_at_each_interval() -> None:
    slots = [slot("09:00", "17:00", playlist="day"), slot("12:00", "13:00", priority=1)]
    for interval in timeline(CTX, slots, [], START, START + timedelta(days=1)):
        middle = interval.start_utc + (interval.end_utc - interval.start_utc) / 2
        assert resolve(CTX, slots, [], middle).decision == interval.decision


def test_timeline_accepts_exactly_fourteen_days() -> None:
    assert timeline(CTX, [], [], START, START + MAX_TIMELINE_WINDOW)


@pytest.mark.parametrize(
    "end",
    [START, START - timedelta(hours=1), START + MAX_TIMELINE_WINDOW + timedelta(seconds=1)],
)
def test_timeline_rejects_empty_reversed_or_too_long_windows(end: datetime) -> None:
    with pytest.raises(ValueError, match="window"):
        timeline(CTX, [], [], START, end)


def test_timeline_rejects_naive_bounds() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        timeline(CTX, [], [], datetime(2026, 6, 1), START)


# next_check_seconds --------------------------------------------------------------------

FAR = START + timedelta(hours=6)


def test_poll_interval_is_stable_per_device_and_within_ten_percent() -> None:
    values = [next_check_seconds(f"dev-{n}", START, FAR) for n in range(300)]
    low, high = 60 * (1 - JITTER_FRACTION), 60 * (1 + JITTER_FRACTION)
    assert all(low <= value <= high for value in values)
    assert len(set(values)) > 5  # the fleet spreads out
    assert values == [next_check_seconds(f"dev-{n}", START, FAR) for n in range(300)]


def test_poll_interval_never_passes_valid_to() -> None:
    assert next_check_seconds("dev-1", START, START + timedelta(seconds=30.9)) == 30


def test_poll_interval_is_at_least_five_seconds() -> None:
    assert next_check_seconds("dev-1", START, START + timedelta(seconds=1)) == 5


def test_poll_interval_scales_with_the_base() -> None:
    assert 270 <= next_check_seconds("dev-1", START, FAR, base_seconds=300) <= 330


def test_poll_interval_rejects_naive_times_and_non_positive_base() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_check_seconds("dev-1", datetime(2026, 6, 1), FAR)
    with pytest.raises(ValueError, match="base_seconds"):
        next_check_seconds("dev-1", START, FAR, base_seconds=0)


# compiled schedule ---------------------------------------------------------------------


def test_compiled_schedule_keeps_only_enabled_slots_for_this_device_best_first() -> None:
    mine_low = slot("09:00", "10:00", priority=1)
    mine_device = slot("09:00", "10:00", target=SlotTargetType.DEVICE)
    disabled = slot("09:00", "10:00", enabled=False)
    foreign = slot("09:00", "10:00", target_id=OTHER_GROUP)
    compiled = compile_schedule(CTX, [mine_low, disabled, foreign, mine_device])
    assert compiled.ranked_slots == (mine_device, mine_low)


def test_compiled_schedule_says_when_the_manifest_is_device_specific() -> None:
    assert not compile_schedule(CTX, [slot("09:00", "10:00")]).device_specific
    device_slot = slot("09:00", "10:00", target=SlotTargetType.DEVICE)
    assert compile_schedule(CTX, [device_slot]).device_specific
    assert compile_schedule(context(device_tz="Europe/Paris"), []).device_specific


def test_duplicate_slot_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        compile_schedule(
            CTX, [slot("09:00", "10:00", slot_id="s"), slot("11:00", "12:00", slot_id="s")]
        )


def test_compiled_and_one_shot_resolve_agree_and_day_plans_stay_bounded() -> None:
    slots = [slot("09:00", "17:00", playlist="day")]
    compiled = compile_schedule(CTX, slots)
    for day in range(60):
        now = START + timedelta(days=day, hours=9)
        assert resolve_compiled(compiled, [], now) == resolve(CTX, slots, [], now)
    assert len(compiled._day_plans) <= 32
