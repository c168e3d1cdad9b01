"""Property tests: resolve() and timeline() against a brute-force, minute-by-minute oracle.

The oracle shares nothing with the resolver but the input types: it walks UTC minutes, reads
the local wall clock, keeps the running maximum as schedule time (the fall-back rule of the
resolver's docstring, §30.5) and checks every slot and override directly (§30.4, §31.3-31.5).
Windows start near each zone's 2026 DST transitions in both directions (and anywhere else).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signage.enums import OverrideTargetType, SlotTargetType
from signage.scheduling import (
    MAX_VALIDITY,
    Decision,
    DeviceContext,
    FallbackSource,
    OverrideRule,
    ResolutionReason,
    SlotRule,
    compile_schedule,
    resolve_compiled,
    timeline_compiled,
)
from signage.scheduling.model import epoch_micros

ZONES = (
    "Europe/London",
    "America/New_York",
    "America/Santiago",  # transitions at local midnight
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",  # -03:30 / -02:30
    "Asia/Kolkata",  # no DST
    "UTC",
)
DEVICE, VENUE, GROUP = "dev-1", "ven-1", "grp-1"
WINDOW = timedelta(hours=30)
LEAD = timedelta(hours=3)  # oracle history before the window, to know the running maximum
MINUTE = timedelta(minutes=1)
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@cache
def transitions_2026(zone: str) -> tuple[datetime, ...]:
    """UTC instants (to the minute) in 2026 at which the zone's offset changes."""
    tz = ZoneInfo(zone)
    hours = [YEAR_START + timedelta(hours=h) for h in range(366 * 24)]
    changed = [
        later
        for earlier, later in pairwise(hours)
        if _offset_at(earlier, tz) != _offset_at(later, tz)
    ]
    return tuple(_first_minute_of_new_offset(hour, tz) for hour in changed)


def _first_minute_of_new_offset(hour: datetime, tz: ZoneInfo) -> datetime:
    new_offset = _offset_at(hour, tz)
    minutes = (hour - n * MINUTE for n in range(60, -1, -1))
    return next(minute for minute in minutes if _offset_at(minute, tz) == new_offset)


def _offset_at(instant: datetime, tz: ZoneInfo) -> timedelta | None:
    return instant.astimezone(tz).utcoffset()


# Strategies ----------------------------------------------------------------------------


@st.composite
def windows(draw: st.DrawFn, zone: str) -> tuple[datetime, datetime | None]:
    """A minute-aligned window start and, usually, the DST transition inside the window."""
    near = transitions_2026(zone)
    near_a_transition: bool = draw(st.booleans())
    if near and near_a_transition:
        anchor = draw(st.sampled_from(near))
        return anchor - timedelta(minutes=draw(st.integers(0, 26 * 60))), anchor
    return YEAR_START + timedelta(minutes=draw(st.integers(0, 364 * 24 * 60))), None


def minutes_of_day(zone: str, anchor: datetime | None) -> st.SearchStrategy[int]:
    """Any minute, or one near a transition's wall times, where DST bugs live."""
    anywhere = st.one_of(st.sampled_from(range(0, 1440, 15)), st.integers(0, 1439))
    if anchor is None:
        return anywhere
    tz = ZoneInfo(zone)
    walls = [(anchor + k * 15 * MINUTE).astimezone(tz) for k in range(-6, 7)]
    # Wall times read on the old offset from the transition on: inside a spring-forward gap.
    last_shown = (anchor - MINUTE).astimezone(tz)
    walls.extend(last_shown + MINUTE + k * 15 * MINUTE for k in range(5))
    near = sorted({wall.hour * 60 + wall.minute for wall in walls})
    return st.one_of(st.sampled_from(near), anywhere)


@st.composite
def slot_rules(
    draw: st.DrawFn, index: int, around: date, minutes: st.SearchStrategy[int]
) -> SlotRule:
    target_type = draw(st.sampled_from(SlotTargetType))
    own_target = DEVICE if target_type is SlotTargetType.DEVICE else GROUP
    optional_day = st.one_of(
        st.none(), st.integers(-2, 2).map(lambda days: around + timedelta(days=days))
    )
    valid_from, valid_to = draw(optional_day), draw(optional_day)
    if valid_from and valid_to and valid_from > valid_to:
        valid_from, valid_to = valid_to, valid_from
    return SlotRule(
        slot_id=f"slot-{index}",
        target_type=target_type,
        target_id=draw(st.sampled_from([own_target, own_target, own_target, "someone-else"])),
        playlist_id=draw(st.sampled_from(["p1", "p2", "p3", "p4"])),
        days_of_week_mask=draw(st.integers(1, 127)),
        start_minutes=draw(minutes),
        end_minutes=draw(minutes),
        priority=draw(st.integers(0, 2)),
        updated_at_utc=YEAR_START + timedelta(seconds=draw(st.integers(0, 2))),
        valid_from_date=valid_from,
        valid_to_date=valid_to,
        enabled=draw(st.booleans().map(lambda off: not off) | st.just(True)),
    )


@st.composite
def override_rules(draw: st.DrawFn, index: int, start: datetime) -> OverrideRule:
    target_type = draw(st.sampled_from(OverrideTargetType))
    target = {OverrideTargetType.DEVICE: DEVICE, OverrideTargetType.GROUP: GROUP}
    begins = start + timedelta(minutes=draw(st.integers(-600, 2400)))
    length = draw(st.one_of(st.none(), st.integers(1, 600)))
    return OverrideRule(
        override_id=f"ovr-{index}",
        target_type=target_type,
        target_id=target.get(target_type, VENUE),
        playlist_id=draw(st.sampled_from(["o1", "o2"])),
        starts_at_utc=begins,
        created_at_utc=YEAR_START + timedelta(seconds=draw(st.integers(0, 1))),
        ends_at_utc=None if length is None else begins + timedelta(minutes=length),
    )


@dataclass(frozen=True)
class Scenario:
    context: DeviceContext
    slots: tuple[SlotRule, ...]
    overrides: tuple[OverrideRule, ...]
    start: datetime
    transition: datetime | None  # a DST transition inside the window, if any


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone = draw(st.sampled_from(ZONES))
    start, transition = draw(windows(zone))
    around = start.astimezone(ZoneInfo(zone)).date()
    minutes = minutes_of_day(zone, transition)
    slot_count = draw(st.integers(0, 6))
    slots = tuple(draw(slot_rules(i, around, minutes)) for i in range(slot_count))
    overrides = tuple(draw(override_rules(i, start)) for i in range(draw(st.integers(0, 2))))
    fallbacks = draw(st.lists(st.sampled_from(["f1", None]), min_size=3, max_size=3))
    context = DeviceContext(
        device_id=DEVICE,
        venue_id=VENUE,
        tenant_timezone="UTC",
        group_ids=(GROUP,),
        venue_timezone=zone,
        venue_fallback_playlist_id=fallbacks[0],
        tenant_default_playlist_id=fallbacks[1],
        last_published_playlist_id=fallbacks[2],
    )
    return Scenario(context, slots, overrides, start, transition)


# The oracle ----------------------------------------------------------------------------


class Oracle:
    """The expected decision at every UTC minute of [start - LEAD, start + WINDOW + 6 h]."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.first = scenario.start - LEAD
        tz = ZoneInfo(scenario.context.venue_timezone or "UTC")
        minutes = int((LEAD + WINDOW + MAX_VALIDITY) / MINUTE) + 1
        latest_wall: datetime | None = None
        self.decisions: list[Decision] = []
        for n in range(minutes):
            instant = self.first + n * MINUTE
            wall = instant.astimezone(tz).replace(tzinfo=None)
            latest_wall = wall if latest_wall is None else max(latest_wall, wall)
            self.decisions.append(self._decide(instant, latest_wall))

    def at(self, instant: datetime) -> Decision:
        return self.decisions[(instant - self.first) // MINUTE]

    def _decide(self, instant: datetime, wall: datetime) -> Decision:
        overrides = [o for o in self.scenario.overrides if _aims_at_device(o) and _on(o, instant)]
        if overrides:
            best = min(overrides, key=_override_order)
            return Decision(best.playlist_id, ResolutionReason.OVERRIDE, best.override_id)
        day, minute = wall.date(), wall.hour * 60 + wall.minute
        slots = [s for s in self.scenario.slots if _slot_covers(s, day, minute)]
        if slots:
            best_slot = min(slots, key=_slot_order)
            reason = {
                SlotTargetType.DEVICE: ResolutionReason.DEVICE_SLOT,
                SlotTargetType.GROUP: ResolutionReason.GROUP_SLOT,
            }[best_slot.target_type]
            return Decision(best_slot.playlist_id, reason, best_slot.slot_id)
        return _fallback(self.scenario.context)


def _aims_at_device(override: OverrideRule) -> bool:
    return override.target_id in {DEVICE, GROUP, VENUE}


def _on(override: OverrideRule, instant: datetime) -> bool:
    ends = override.ends_at_utc
    return override.starts_at_utc <= instant and (ends is None or instant < ends)


def _override_order(override: OverrideRule) -> tuple[int, int, str]:
    rank = ["DEVICE", "GROUP", "VENUE"].index(override.target_type)
    return rank, -epoch_micros(override.created_at_utc), str(override.override_id)


def _slot_order(slot: SlotRule) -> tuple[int, int, int, str]:
    rank = ["DEVICE", "GROUP"].index(slot.target_type)
    return rank, -slot.priority, -epoch_micros(slot.updated_at_utc), str(slot.slot_id)


def _slot_covers(slot: SlotRule, day: date, minute: int) -> bool:
    own_target = DEVICE if slot.target_type is SlotTargetType.DEVICE else GROUP
    if not slot.enabled or slot.target_id != own_target:
        return False
    start, end = slot.start_minutes, slot.end_minutes
    if end > start:
        return _begins(slot, day) and start <= minute < end
    after_start_today = _begins(slot, day) and minute >= start
    before_end_from_yesterday = _begins(slot, day - timedelta(days=1)) and minute < end
    return after_start_today or before_end_from_yesterday


def _begins(slot: SlotRule, day: date) -> bool:
    in_mask = bool(slot.days_of_week_mask >> day.weekday() & 1)
    after_from = slot.valid_from_date is None or slot.valid_from_date <= day
    before_to = slot.valid_to_date is None or day <= slot.valid_to_date
    return in_mask and after_from and before_to


def _fallback(context: DeviceContext) -> Decision:
    for playlist, source in (
        (context.venue_fallback_playlist_id, FallbackSource.VENUE_FALLBACK),
        (context.tenant_default_playlist_id, FallbackSource.TENANT_DEFAULT),
        (context.last_published_playlist_id, FallbackSource.LAST_PUBLISHED),
    ):
        if playlist is not None:
            return Decision(playlist, ResolutionReason.FALLBACK, fallback_source=source)
    return Decision(None, ResolutionReason.NONE)


def _offset_changes(tz: ZoneInfo, instant: datetime) -> bool:
    return _offset_at(instant - MINUTE, tz) != _offset_at(instant, tz)


# Properties ----------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(scenarios())
def test_timeline_matches_the_oracle_minute_by_minute(scenario: Scenario) -> None:
    oracle = Oracle(scenario)
    schedule = compile_schedule(scenario.context, scenario.slots)
    intervals = timeline_compiled(
        schedule, scenario.overrides, scenario.start, scenario.start + WINDOW
    )
    for interval in intervals:
        middle = interval.start_utc + (interval.end_utc - interval.start_utc) / 2
        resolved = resolve_compiled(schedule, scenario.overrides, middle)
        assert resolved.decision == interval.decision, middle
        instant = interval.start_utc
        while instant < interval.end_utc:
            assert oracle.at(instant) == interval.decision, instant
            instant += MINUTE


@PROPERTY_SETTINGS
@given(scenarios(), st.lists(st.integers(0, int(WINDOW.total_seconds()) - 1), min_size=4))
def test_resolve_matches_the_oracle_and_holds_until_valid_to(
    scenario: Scenario, offsets: Sequence[int]
) -> None:
    oracle = Oracle(scenario)
    schedule = compile_schedule(scenario.context, scenario.slots)
    for offset in offsets:
        now = scenario.start + timedelta(seconds=offset)
        resolution = resolve_compiled(schedule, scenario.overrides, now)
        assert resolution.decision == oracle.at(now)
        assert now < resolution.valid_to_utc <= now + MAX_VALIDITY
        # No change before valid_to: every minute up to it shows the same decision.
        instant = now.replace(second=0) + MINUTE
        while instant < resolution.valid_to_utc:
            assert oracle.at(instant) == resolution.decision, instant
            instant += MINUTE
        # Tight: away from the horizon and DST instants, something changes at valid_to.
        valid_to = resolution.valid_to_utc
        if valid_to < now + MAX_VALIDITY and not _offset_changes(schedule.timezone, valid_to):
            assert oracle.at(valid_to) != resolution.decision, valid_to


@PROPERTY_SETTINGS
@given(scenarios().filter(lambda scenario: scenario.transition is not None))
def test_resolve_matches_the_oracle_every_minute_around_a_dst_transition(
    scenario: Scenario,
) -> None:
    assert scenario.transition is not None
    oracle = Oracle(scenario)
    schedule = compile_schedule(scenario.context, scenario.slots)
    for minute in range(-150, 150):
        now = scenario.transition + minute * MINUTE + timedelta(seconds=minute % 60)
        resolution = resolve_compiled(schedule, scenario.overrides, now)
        assert resolution.decision == oracle.at(now), now
        assert now < resolution.valid_to_utc <= now + MAX_VALIDITY
