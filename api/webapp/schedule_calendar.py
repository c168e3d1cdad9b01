"""The weekly schedule drawn as a calendar (issue 19 item 7): a time axis, each slot a block on
each of its days, overlapping slots side by side, an overnight slot split at midnight into the
evening of its day and the morning of the next (§30.4, Sunday's into Monday's: the week
repeats). Times are venue wall-clock minutes (§30.3). The page places the blocks with
schedule-calendar.js from the minutes and lanes computed here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from api.webapp.rendering import clock_time
from signage.scheduling.model import MINUTES_PER_DAY

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DASH = "\N{EN DASH}"  # between a slot's start and end, as the calendar writes them
HOURS = tuple(range(24))


@dataclass(frozen=True)
class SlotRow:
    """A slot as the calendar shows it: venue-local times and names instead of ids (§30.8)."""

    slot_id: uuid.UUID
    start: int
    end: int  # 1..1440: a stored end of 00:00 shows as 24:00
    days: list[str]
    playlist_name: str
    target: str
    priority: int
    enabled: bool
    valid_from: date | None
    valid_to: date | None

    @property
    def overnight(self) -> bool:
        """Ends on the next day (§30.4); an end equal to the start is 24 hours later."""
        return self.end <= self.start

    @property
    def summary(self) -> str:
        """Which slot this is, for its links' accessible names: the calendar repeats a slot on
        each of its days, so "on Monday" would wrongly suggest one day is changed."""
        days = "every day" if len(self.days) == len(WEEKDAYS) else "on " + ", ".join(self.days)
        end = clock_time(self.end) + (" next day" if self.overnight else "")
        priority = f", priority {self.priority}" if self.priority else ""
        when = f"{clock_time(self.start)}{DASH}{end}"
        return f"{self.playlist_name} {when} {days} for {self.target}{priority}"


@dataclass
class Block:
    """One day's piece of a slot: minutes into that day, and its place among overlaps."""

    row: SlotRow
    start: int  # 0..1439
    end: int  # 1..1440
    continued: bool = False  # the after-midnight piece of a slot begun the day before
    lane: int = 0
    lanes: int = 1


@dataclass(frozen=True)
class CalendarDay:
    name: str  # "Monday"
    key: str  # "mon", as the day links and the add form's day_mon field name it
    blocks: list[Block]
    selected: bool  # the one day a phone shows


def day_key(name: str) -> str:
    return name[:3].lower()


def week_calendar(rows: list[SlotRow], selected: int) -> list[CalendarDay]:
    """Monday to Sunday with each day's blocks laid out; `selected` (0 = Monday) is the day
    the phone's day view shows."""
    pieces: list[list[Block]] = [[] for _ in WEEKDAYS]
    for row in rows:
        for name in row.days:
            index = WEEKDAYS.index(name)
            if row.overnight:
                pieces[index].append(Block(row, row.start, MINUTES_PER_DAY))
                pieces[(index + 1) % 7].append(Block(row, 0, row.end, continued=True))
            else:
                pieces[index].append(Block(row, row.start, row.end))
    return [
        CalendarDay(name, day_key(name), _laid_out(blocks), index == selected)
        for index, (name, blocks) in enumerate(zip(WEEKDAYS, pieces, strict=True))
    ]


def _laid_out(blocks: list[Block]) -> list[Block]:
    """Blocks by start; each group of overlapping blocks shares the day's width in lanes,
    a block taking the first lane free at its start (higher priority first on a tie)."""
    ordered = sorted(blocks, key=lambda b: (b.start, -b.row.priority, -b.end))
    group: list[Block] = []
    lane_ends: list[int] = []
    for block in ordered:
        if group and block.start >= max(lane_ends):
            _share(group, len(lane_ends))
            group, lane_ends = [], []
        free = [lane for lane, end in enumerate(lane_ends) if end <= block.start]
        block.lane = free[0] if free else len(lane_ends)
        if free:
            lane_ends[block.lane] = block.end
        else:
            lane_ends.append(block.end)
        group.append(block)
    _share(group, len(lane_ends))
    return ordered


def _share(group: list[Block], lanes: int) -> None:
    for block in group:
        block.lanes = lanes
