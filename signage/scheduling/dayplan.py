"""One local date's schedule as contiguous minute segments, each with its winning slot.

Built once per (compiled schedule, date) so a resolve is a bisect instead of a scan of every
slot (§31.7). Slot matching follows §31.3 and §30.4: an occurrence belongs to the date it
starts on, so minutes after midnight may belong to a wrap slot that started the day before.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from signage.scheduling.model import MINUTES_PER_DAY, SlotRule

_ONE_DAY = timedelta(days=1)

# A half-open minute range [begin, end) of one local date.
_Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class DayPlan:
    """Segments covering minutes [0, 1440) of one local date; None = no slot (fallback)."""

    starts: tuple[int, ...]  # segment start minutes, ascending, starts[0] == 0
    winners: tuple[SlotRule | None, ...]

    def segment_at(self, minute: int) -> tuple[SlotRule | None, int]:
        """The winner at `minute` and the minute its segment ends (1440 = next midnight)."""
        index = bisect_right(self.starts, minute) - 1
        following = index + 1
        end = self.starts[following] if following < len(self.starts) else MINUTES_PER_DAY
        return self.winners[index], end


def plan_day(day: date, ranked_slots: Sequence[SlotRule]) -> DayPlan:
    """The plan of local date `day` for slots already sorted best-first (§31.4).

    Paints each slot's spans onto the minutes no better slot has claimed; stops early once
    the whole day is claimed.
    """
    unclaimed: list[_Span] = [(0, MINUTES_PER_DAY)]
    claimed: list[tuple[int, int, SlotRule | None]] = []
    for slot in ranked_slots:
        for span in _spans_on(slot, day):
            claimed.extend((begin, end, slot) for begin, end in _claim(unclaimed, span))
        if not unclaimed:
            break
    claimed.extend((begin, end, None) for begin, end in unclaimed)
    claimed.sort(key=lambda piece: piece[0])
    return _merged(claimed)


def _spans_on(slot: SlotRule, day: date) -> Iterator[_Span]:
    """The minutes of `day` covered by the slot's occurrences (§30.4 wrap rule)."""
    if slot.wraps and slot.end_minutes > 0 and slot.starts_on(day - _ONE_DAY):
        yield 0, slot.end_minutes  # continuation of the occurrence that began yesterday
    if slot.starts_on(day):
        yield slot.start_minutes, MINUTES_PER_DAY if slot.wraps else slot.end_minutes


def _claim(unclaimed: list[_Span], span: _Span) -> list[_Span]:
    """Remove `span` from the sorted, disjoint `unclaimed` spans; return what it took."""
    begin, end = span
    first = bisect_right(unclaimed, begin, key=lambda gap: gap[1])  # first gap ending after begin
    last = bisect_left(unclaimed, end, lo=first, key=lambda gap: gap[0])  # gaps starting before end
    taken: list[_Span] = []
    remaining: list[_Span] = []
    for gap_begin, gap_end in unclaimed[first:last]:
        overlap = (max(gap_begin, begin), min(gap_end, end))
        taken.append(overlap)
        if gap_begin < overlap[0]:
            remaining.append((gap_begin, overlap[0]))
        if overlap[1] < gap_end:
            remaining.append((overlap[1], gap_end))
    unclaimed[first:last] = remaining
    return taken


def _merged(pieces: list[tuple[int, int, SlotRule | None]]) -> DayPlan:
    """Join touching pieces won by the same slot into one segment."""
    starts: list[int] = []
    winners: list[SlotRule | None] = []
    for begin, _end, winner in pieces:
        if winners and winners[-1] is winner:
            continue
        starts.append(begin)
        winners.append(winner)
    return DayPlan(starts=tuple(starts), winners=tuple(winners))
