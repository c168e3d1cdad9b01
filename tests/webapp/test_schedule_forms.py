"""Reading the schedule page's slot form: venue-local HH:MM, midnight as 24:00, the days ticked
(§7, §26.8, §30.3, §30.4). Pure functions, no database."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from api.webapp.pages_schedule import (
    MIDNIGHT,
    clock_minutes,
    days_mask,
    slot_input,
    slot_window,
)
from api.webapp.schedule_calendar import SlotRow, week_calendar
from signage.enums import SlotTargetType
from signage.errors import ValidationFailedError
from signage.scheduling.model import PRIORITY_LIMIT

PLAYLIST_ID = uuid.uuid4()
SCREEN_ID = uuid.uuid4()


def filled_form(**changes: str) -> dict[str, str]:
    """A form as the browser posts it: Monday and Friday 17:00-19:00 on a screen."""
    form = {
        "playlist_id": str(PLAYLIST_ID),
        "target": f"DEVICE:{SCREEN_ID}",
        "day_mon": "on",
        "day_fri": "on",
        "start": "17:00",
        "end": "19:00",
        "priority": "0",
        "valid_from": "",
        "valid_to": "",
        "enabled": "on",
    }
    return {**form, **changes}


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("17:30", 1050),
        ("00:00", 0),
        ("23:59", 1439),
        ("09:05", 545),
        ("17:30:00", 1050),
        ("7:30", 450),
    ],
)
def test_a_start_time_is_minutes_after_local_midnight(text: str, minutes: int) -> None:
    assert clock_minutes(text) == minutes


@pytest.mark.parametrize("text", ["00:00", "", "24:00", " 00:00 "])
def test_an_end_at_midnight_is_the_end_of_the_day(text: str) -> None:
    assert clock_minutes(text, end=True) == MIDNIGHT == 1440


def test_an_end_before_midnight_reads_as_typed() -> None:
    assert clock_minutes("19:00", end=True) == 1140


@pytest.mark.parametrize("text", ["", "5pm", "25:00", "17:60", "24:00", "17:30+01:00"])
def test_a_start_that_is_no_time_of_day_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailedError, match="start time"):
        clock_minutes(text)


def test_an_end_that_is_no_time_of_day_is_refused() -> None:
    with pytest.raises(ValidationFailedError, match="end time"):
        clock_minutes("noon", end=True)


@pytest.mark.parametrize(
    ("start", "end", "stored"),
    [
        (1020, 1140, (1020, 1140)),  # 17:00-19:00
        (1020, 1440, (1020, 0)),  # 17:00-24:00: midnight is stored as 0
        (0, 1440, (0, 0)),  # the whole day (start == end is 24 h in the domain)
        (1260, 120, (1260, 120)),  # 21:00-02:00 runs past midnight (§30.4)
    ],
)
def test_the_window_is_stored_in_the_domains_terms(
    start: int, end: int, stored: tuple[int, int]
) -> None:
    assert slot_window(start, end) == stored


def test_a_window_that_ends_when_it_starts_is_a_full_day_as_on_v1() -> None:
    """start == end is 24 hours from the start in the domain (SlotRule), so here too."""
    assert slot_window(1020, 1020) == (1020, 1020)
    slot = slot_input(filled_form(start="17:00", end="17:00"))
    assert (slot.start_minutes, slot.end_minutes) == (1020, 1020)


def test_the_form_takes_its_priority_bounds_from_the_domain() -> None:
    assert slot_input(filled_form(priority=str(PRIORITY_LIMIT))).priority == PRIORITY_LIMIT
    with pytest.raises(ValidationFailedError, match=f"-{PRIORITY_LIMIT} to {PRIORITY_LIMIT}"):
        slot_input(filled_form(priority=str(-PRIORITY_LIMIT - 1)))


def test_the_days_ticked_make_the_mask_monday_first() -> None:
    assert days_mask({"day_mon": "on"}) == 0b000_0001
    assert days_mask({"day_sun": "on"}) == 0b100_0000
    assert days_mask({"day_mon": "on", "day_wed": "on", "day_sun": "on"}) == 0b100_0101
    every_day = {f"day_{d}": "on" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert days_mask(every_day) == 0b111_1111


def test_no_day_ticked_is_refused() -> None:
    with pytest.raises(ValidationFailedError, match="at least one day"):
        days_mask({"day_mon": ""})


def test_a_filled_in_form_is_a_slot() -> None:
    slot = slot_input(filled_form(priority="5", valid_from="2026-06-01", valid_to="2026-06-30"))

    assert slot.playlist_id == PLAYLIST_ID
    assert (slot.target_type, slot.target_id) == (SlotTargetType.DEVICE, SCREEN_ID)
    assert slot.days_of_week_mask == 0b001_0001
    assert (slot.start_minutes, slot.end_minutes) == (1020, 1140)
    assert slot.priority == 5
    assert (slot.valid_from_date, slot.valid_to_date) == (date(2026, 6, 1), date(2026, 6, 30))
    assert slot.enabled


def test_an_unticked_on_box_turns_the_slot_off() -> None:
    form = filled_form()
    del form["enabled"]
    assert not slot_input(form).enabled


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"playlist_id": "lunch"}, "Choose a playlist"),
        ({"target": "VENUE"}, "Choose a screen or group"),
        ({"target": f"SCREEN:{SCREEN_ID}"}, "Choose a screen or group"),
        ({"priority": "high"}, "Priority"),
        ({"priority": "1001"}, "Priority"),
        ({"valid_from": "1 June"}, "first day"),
        ({"valid_from": "2026-06-30", "valid_to": "2026-06-01"}, "before the first day"),
    ],
)
def test_what_cannot_be_a_slot_is_explained(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationFailedError, match=message):
        slot_input(filled_form(**changes))


def grid_row(start: int, end: int, days: list[str], priority: int = 0) -> SlotRow:
    return SlotRow(
        slot_id=uuid.uuid4(),
        start=start,
        end=end,
        days=days,
        playlist_name="Happy hour",
        target="Screen: Bar screen",
        priority=priority,
        enabled=True,
        valid_from=None,
        valid_to=None,
    )


def test_a_slot_names_itself_for_its_buttons() -> None:
    row = grid_row(1020, 1140, ["Monday", "Friday"])
    assert row.summary == "Happy hour 17:00\u201319:00 on Monday, Friday for Screen: Bar screen"
    assert not row.overnight


def test_an_overnight_slot_says_it_ends_the_next_day() -> None:
    every_day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    row = grid_row(1260, 120, every_day, priority=3)
    assert row.overnight
    assert row.summary == (
        "Happy hour 21:00\u201302:00 next day every day for Screen: Bar screen, priority 3"
    )
    assert not grid_row(1020, MIDNIGHT, ["Monday"]).overnight  # 17:00-24:00 ends today


# -- the calendar's layout (issue 19 item 7) ------------------------------------------------------


def placed(rows: list[SlotRow], day: int) -> list[tuple[int, int, bool, int, int]]:
    """(start, end, continued, lane, lanes) of each block on `day` (0 = Monday)."""
    blocks = week_calendar(rows, selected=0)[day].blocks
    return [(b.start, b.end, b.continued, b.lane, b.lanes) for b in blocks]


def test_overlapping_slots_share_the_day_side_by_side_and_others_keep_its_width() -> None:
    rows = [
        grid_row(600, 780, ["Monday"]),  # 10:00-13:00
        grid_row(660, 720, ["Monday"], priority=5),  # 11:00-12:00, over it
        grid_row(720, 750, ["Monday"]),  # 12:00-12:30: the 11:00 lane is free again
        grid_row(1020, 1140, ["Monday"]),  # 17:00-19:00, alone
    ]
    assert placed(rows, 0) == [
        (600, 780, False, 0, 2),
        (660, 720, False, 1, 2),
        (720, 750, False, 1, 2),
        (1020, 1140, False, 0, 1),
    ]


def test_an_overnight_slot_is_drawn_on_its_day_and_the_next_sunday_into_monday() -> None:
    rows = [grid_row(1320, 120, ["Sunday"]), grid_row(1020, 1020, ["Tuesday"])]
    assert placed(rows, 6) == [(1320, MIDNIGHT, False, 0, 1)]
    assert placed(rows, 0) == [(0, 120, True, 0, 1)]  # the week repeats
    assert placed(rows, 1) == [(1020, MIDNIGHT, False, 0, 1)]  # 24 hours from 17:00
    assert placed(rows, 2) == [(0, 1020, True, 0, 1)]


def test_the_phone_shows_the_selected_day() -> None:
    days = week_calendar([], selected=3)
    assert [d.key for d in days if d.selected] == ["thu"]
    assert [d.key for d in days] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
