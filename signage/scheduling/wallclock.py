"""Schedule time: the local wall clock, made monotonic across DST transitions (§30.5).

Slots are written in wall-clock minutes (§30.3), but the wall clock jumps forward at spring
forward and replays an interval at fall back. The resolver evaluates slots at *schedule time*:

- normally the wall clock (naive local datetime in the effective timezone);
- while the wall clock replays an interval after falling back, the last wall time shown
  before the clocks went back. Schedule time therefore never goes backwards: no slot starts
  twice and playlists do not oscillate A -> B -> A during the repeated hour.

`first_instant_at` is the inverse: the first UTC instant whose schedule time reaches a wall
time. A wall time inside a spring-forward gap maps to the transition instant, the "first valid
instant" of §30.5, instead of an hour later as a naive fold=0 conversion would.

Both binary searches assume the transition sits on a whole UTC second (true of every tzdata
transition) and that one transition does not follow another within the same few hours.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_ONE_SECOND = timedelta(seconds=1)


def schedule_time(instant_utc: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall time at which slots are evaluated for the aware `instant_utc`."""
    local = instant_utc.astimezone(tz)
    if not local.fold:
        return local.replace(tzinfo=None)
    # Second pass through a repeated interval (§30.5 fall back): hold at the last wall time
    # shown before the clocks went back.
    fell_back_at = _fall_back_instant(instant_utc, local, tz)
    return _wall_at(fell_back_at - _ONE_SECOND, tz)


def first_instant_at(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first UTC instant whose schedule time is at or after the naive local `wall`."""
    candidate = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    shown = _wall_at(candidate, tz)
    if shown == wall:  # exists; fold=0 picked the first occurrence of an ambiguous time
        return candidate
    # `wall` lies in a spring-forward gap. fold=0 read it with the pre-gap offset, which lands
    # one gap-length past the transition; the transition is where schedule time passes `wall`.
    gap_seconds = math.ceil((shown - wall).total_seconds())
    latest = math.ceil(candidate.timestamp())
    first = _first_true(latest - gap_seconds, latest, lambda s: _wall_at(_utc(s), tz) >= wall)
    return _utc(first)


def _fall_back_instant(instant_utc: datetime, local: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant the clocks went back, for an `instant_utc` in the repeated interval."""
    repeat = _offset(local.replace(fold=0)) - _offset(local)
    latest = math.floor(instant_utc.timestamp())  # at or after the transition
    earliest = latest - math.ceil(repeat.total_seconds())  # first pass: before it
    first = _first_true(earliest, latest, lambda s: _utc(s).astimezone(tz).fold == 1)
    return _utc(first)


def _first_true(false_at: int, true_at: int, predicate: Callable[[int], bool]) -> int:
    """The least integer in (false_at, true_at] where a monotonic `predicate` holds."""
    while true_at - false_at > 1:
        middle = (false_at + true_at) // 2
        if predicate(middle):
            true_at = middle
        else:
            false_at = middle
    return true_at


def _utc(epoch_seconds: int) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC)


def _wall_at(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _offset(local: datetime) -> timedelta:
    offset = local.utcoffset()
    assert offset is not None  # `local` always carries a ZoneInfo here
    return offset
