"""The schedule resolver (§12, §31): which playlist a device plays at an instant, and until when.

A pure function of its inputs: no database, no framework, time is a parameter (§31.10).
`resolve` is the simple API; callers that serve many requests compile a published schedule
version once per device target set (`compile_schedule`, cacheable under the §31.8 key) and
call `resolve_compiled`, which costs a couple of timezone conversions and a bisect (§31.7).

Decisions where the spec leaves room (tests pin each one):

1. Weekdays: days_of_week_mask bit 0 = Monday ... bit 6 = Sunday (1 << date.weekday()),
   valid masks 1..127 (§26.8).
2. Windows are half-open [start, end) in wall-clock minutes of the effective timezone. When
   end <= start the slot wraps past midnight (§30.4); start == end is therefore a 24 h
   occurrence ending at the same minute the next day (00:00-00:00 = the whole day), and
   end == 0 means "until midnight".
3. An occurrence belongs to the local date it STARTS on: the weekday mask and the inclusive
   valid_from/valid_to dates are checked against that date, so the after-midnight part of a
   wrap slot is the "continuation of prior day" (§30.4), including past valid_to_date.
4. Slot precedence (§7, §31.4): DEVICE before GROUP; then the HIGHER priority number; then the
   later updated_at_utc; then the smaller id (string order). Disabled slots never match.
5. Overrides (takeovers) beat every slot. Among overlapping overrides: DEVICE before GROUP
   before VENUE (mirroring §31.4), then the later created_at_utc, then the smaller id. Active
   on [starts_at, min(ends_at, cancelled_at)); ends_at None = until cancelled.
6. Effective timezone (§30.2): device -> venue -> tenant default; a name that is unset or not
   a known IANA zone is skipped ("or fallback applies", §30.10). None valid -> ValueError.
7. Spring forward (§30.5): wall times in the gap never happen. A slot starting in the gap
   starts at the transition instant (the first valid instant); a slot lying wholly in the gap
   does not play that day; a boundary in the gap maps to the transition, not an hour later.
8. Fall back (§30.5): schedule time never runs backwards. While the clock replays the
   repeated interval the schedule holds at the last minute before the clocks went back: what
   was playing keeps playing for the extra hour, no slot plays twice, no A -> B -> A.
9. valid_to_utc (§30.6, §31.6) is the next instant the decision (playlist, reason, rule)
   changes: segment ends of the local day plan (covering slot starts/ends, wraps, date bounds,
   weekday changes at local midnight, higher-ranked slot starts), override starts and stops,
   converted to UTC by rule 7/8 and clamped to now + 6 h. It is always later than now.
10. Fallback chain (§31.5): venue fallback -> tenant default -> last published playlist ->
    none (reason NONE, playlist None: the error manifest of §27.8.1). Callers pass only ids
    of published playlists.
11. next_check_seconds: base +/- 10 % by a SHA-256 of the device id (stable across processes
    and replicas), never past valid_to_utc, but at least 5 s even if valid_to is nearer.
12. timeline() windows are at most 14 days.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from signage.enums import OverrideTargetType, SlotTargetType
from signage.scheduling.dayplan import DayPlan, plan_day
from signage.scheduling.model import (
    MINUTES_PER_DAY,
    Decision,
    DeviceContext,
    FallbackSource,
    OverrideRule,
    Resolution,
    ResolutionReason,
    RuleId,
    SlotRule,
    TimelineInterval,
    epoch_micros,
    require_aware,
)
from signage.scheduling.wallclock import first_instant_at, schedule_time

MAX_VALIDITY = timedelta(hours=6)  # §30.6 / §31.6 safety horizon
MAX_TIMELINE_WINDOW = timedelta(days=14)
JITTER_FRACTION = 0.10
MIN_CHECK_SECONDS = 5

_ONE_DAY = timedelta(days=1)
# Enough for a timeline window plus its edges; beyond that the cache starts over.
_DAY_PLAN_CACHE_SIZE = 32
_SLOT_SPECIFICITY = {SlotTargetType.DEVICE: 0, SlotTargetType.GROUP: 1}
_OVERRIDE_SPECIFICITY = {
    OverrideTargetType.DEVICE: 0,
    OverrideTargetType.GROUP: 1,
    OverrideTargetType.VENUE: 2,
}
_SLOT_REASON = {
    SlotTargetType.DEVICE: ResolutionReason.DEVICE_SLOT,
    SlotTargetType.GROUP: ResolutionReason.GROUP_SLOT,
}


@dataclass(frozen=True, slots=True)
class CompiledSchedule:
    """A published schedule pre-indexed for one device's targets; build with compile_schedule.

    Immutable apart from a bounded memo of day plans, so it is safe to cache and share.
    """

    context: DeviceContext
    timezone: ZoneInfo
    ranked_slots: tuple[SlotRule, ...]  # enabled, targeting this device, best first (§31.4)
    device_specific: bool  # needs deviceId in the manifest cache key (§31.8)
    _day_plans: dict[date, DayPlan] = field(default_factory=dict, repr=False, compare=False)

    def day_plan(self, day: date) -> DayPlan:
        """The (memoised) plan of local date `day`."""
        plan = self._day_plans.get(day)
        if plan is None:
            if len(self._day_plans) >= _DAY_PLAN_CACHE_SIZE:
                self._day_plans.clear()  # atomic, unlike evicting one entry, if shared by threads
            plan = self._day_plans[day] = plan_day(day, self.ranked_slots)
        return plan


def effective_timezone(context: DeviceContext) -> ZoneInfo:
    """The timezone slots are read in: device, else venue, else tenant default (§30.2)."""
    candidates = (context.device_timezone, context.venue_timezone, context.tenant_timezone)
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue  # unknown names fall through to the next source (§30.10)
    raise ValueError(f"no valid IANA timezone among {candidates!r}")


def compile_schedule(context: DeviceContext, slots: Iterable[SlotRule]) -> CompiledSchedule:
    """Keep the enabled slots that target this device or its groups, ranked best first."""
    device_key = str(context.device_id)
    group_keys = frozenset(str(group_id) for group_id in context.group_ids)
    mine = [
        slot
        for slot in slots
        if slot.enabled and _targets(slot, device_key=device_key, group_keys=group_keys)
    ]
    ids = [str(slot.slot_id) for slot in mine]
    if len(set(ids)) != len(ids):
        raise ValueError("slot ids must be unique")  # or the §31.10 order is not total
    ranked = tuple(sorted(mine, key=_slot_rank))
    device_specific = context.device_timezone is not None or any(
        slot.target_type == SlotTargetType.DEVICE for slot in ranked
    )
    return CompiledSchedule(context, effective_timezone(context), ranked, device_specific)


def resolve(
    context: DeviceContext,
    slots: Iterable[SlotRule],
    overrides: Iterable[OverrideRule],
    now_utc: datetime,
) -> Resolution:
    """Which playlist the device plays at `now_utc`, why, and until when (§31.2-31.6)."""
    return resolve_compiled(compile_schedule(context, slots), overrides, now_utc)


def resolve_compiled(
    schedule: CompiledSchedule, overrides: Iterable[OverrideRule], now_utc: datetime
) -> Resolution:
    """`resolve` for a schedule compiled (and typically cached) by the caller."""
    require_aware(now_utc, "now_utc")
    now = now_utc.astimezone(UTC)
    horizon = now + MAX_VALIDITY
    candidates = _ranked_overrides(schedule.context, overrides, now)
    active = next((rank for rank, o in enumerate(candidates) if o.is_active_at(now)), None)
    if active is None:
        decision, slot_change = _resolve_slots(schedule, now, horizon)
        change = min(slot_change, _next_override_change(candidates, None, now, horizon))
    else:
        winner = candidates[active]
        decision = Decision(winner.playlist_id, ResolutionReason.OVERRIDE, winner.override_id)
        change = _next_override_change(candidates, active, now, horizon)
    return Resolution(decision, _later_than(min(change, horizon), now), schedule.timezone.key)


def timeline(
    context: DeviceContext,
    slots: Iterable[SlotRule],
    overrides: Iterable[OverrideRule],
    start_utc: datetime,
    end_utc: datetime,
) -> list[TimelineInterval]:
    """Contiguous intervals covering [start_utc, end_utc), each with one decision.

    Steps resolve() from one valid_to_utc to the next and joins neighbours with equal
    decisions. The window may span at most 14 days.
    """
    return timeline_compiled(compile_schedule(context, slots), overrides, start_utc, end_utc)


def timeline_compiled(
    schedule: CompiledSchedule,
    overrides: Iterable[OverrideRule],
    start_utc: datetime,
    end_utc: datetime,
) -> list[TimelineInterval]:
    """`timeline` for a compiled schedule."""
    require_aware(start_utc, "start_utc")
    require_aware(end_utc, "end_utc")
    if not start_utc < end_utc <= start_utc + MAX_TIMELINE_WINDOW:
        raise ValueError("timeline window must be non-empty and at most 14 days")
    takeovers = tuple(overrides)
    intervals: list[TimelineInterval] = []
    cursor = start_utc.astimezone(UTC)
    end = end_utc.astimezone(UTC)
    while cursor < end:
        resolution = resolve_compiled(schedule, takeovers, cursor)
        stop = min(resolution.valid_to_utc, end)
        if intervals and intervals[-1].decision == resolution.decision:
            intervals[-1] = TimelineInterval(intervals[-1].start_utc, stop, resolution.decision)
        else:
            intervals.append(TimelineInterval(cursor, stop, resolution.decision))
        cursor = stop
    return intervals


def next_check_seconds(
    device_id: RuleId, now_utc: datetime, valid_to_utc: datetime, base_seconds: int = 60
) -> int:
    """The manifest poll interval (§27.8.1 nextCheckSeconds) for this device.

    `base_seconds` moved by a stable per-device jitter of up to +/-10 % so a fleet does not
    poll in lockstep; never past valid_to_utc, yet never under 5 s.
    """
    require_aware(now_utc, "now_utc")
    require_aware(valid_to_utc, "valid_to_utc")
    if base_seconds <= 0:
        raise ValueError("base_seconds must be positive")
    jittered = round(base_seconds * (1 + _jitter(device_id)))
    until_change = math.floor((valid_to_utc - now_utc).total_seconds())
    return max(MIN_CHECK_SECONDS, min(jittered, until_change))


def _jitter(device_id: RuleId) -> float:
    """A fraction in [-10 %, +10 %) fixed by the device id (not hash(): that is salted)."""
    digest = hashlib.sha256(str(device_id).encode()).digest()
    unit = int.from_bytes(digest[:8], "big") / 2**64
    return (2 * unit - 1) * JITTER_FRACTION


def _targets(slot: SlotRule, *, device_key: str, group_keys: frozenset[str]) -> bool:
    if slot.target_type == SlotTargetType.DEVICE:
        return str(slot.target_id) == device_key
    return str(slot.target_id) in group_keys


def _slot_rank(slot: SlotRule) -> tuple[int, int, int, str]:
    """§31.4: device first, higher priority, later update, smaller id."""
    specificity = _SLOT_SPECIFICITY[slot.target_type]
    return (specificity, -slot.priority, -epoch_micros(slot.updated_at_utc), str(slot.slot_id))


def _override_rank(override: OverrideRule) -> tuple[int, int, str]:
    specificity = _OVERRIDE_SPECIFICITY[override.target_type]
    return (specificity, -epoch_micros(override.created_at_utc), str(override.override_id))


def _ranked_overrides(
    context: DeviceContext, overrides: Iterable[OverrideRule], now: datetime
) -> list[OverrideRule]:
    """Overrides aimed at this device that are active now or later, best first."""
    keys = {
        OverrideTargetType.DEVICE: {str(context.device_id)},
        OverrideTargetType.GROUP: {str(group_id) for group_id in context.group_ids},
        OverrideTargetType.VENUE: {str(context.venue_id)},
    }
    relevant = [
        override
        for override in overrides
        if str(override.target_id) in keys[override.target_type] and _not_over(override, now)
    ]
    return sorted(relevant, key=_override_rank)


def _not_over(override: OverrideRule, now: datetime) -> bool:
    stops = override.stops_at_utc
    return stops is None or (now < stops and override.starts_at_utc < stops)


def _next_override_change(
    ranked: Sequence[OverrideRule], active: int | None, now: datetime, horizon: datetime
) -> datetime:
    """When the override layer changes: the winner stops or a better-ranked one starts."""
    better = ranked if active is None else ranked[:active]
    changes = [o.starts_at_utc for o in better if o.starts_at_utc > now]
    stops = None if active is None else ranked[active].stops_at_utc
    if stops is not None:
        changes.append(stops)
    return min(changes, default=horizon)


def _resolve_slots(
    schedule: CompiledSchedule, now: datetime, horizon: datetime
) -> tuple[Decision, datetime]:
    """The slot layer's decision at `now` and the UTC instant it next changes (or horizon)."""
    tz = schedule.timezone
    wall = schedule_time(now, tz)
    horizon_wall = schedule_time(horizon, tz)
    winner, change_wall = _winner_and_change(schedule, wall, horizon_wall)
    change = horizon if change_wall > horizon_wall else first_instant_at(change_wall, tz)
    return _slot_decision(schedule.context, winner), change


def _winner_and_change(
    schedule: CompiledSchedule, wall: datetime, horizon_wall: datetime
) -> tuple[SlotRule | None, datetime]:
    """The winning slot at schedule time `wall` and the wall time its reign ends.

    A segment reaching midnight continues into the next date while the same slot (or the
    same absence of one) wins there, so an unchanged answer is not cut at midnight.
    """
    day = wall.date()
    winner, end_minute = schedule.day_plan(day).segment_at(wall.hour * 60 + wall.minute)
    change = _wall(day, end_minute)
    while end_minute == MINUTES_PER_DAY and change <= horizon_wall:
        day += _ONE_DAY
        following, end_minute = schedule.day_plan(day).segment_at(0)
        if following is not winner:
            break
        change = _wall(day, end_minute)
    return winner, change


def _wall(day: date, minute: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=minute)


def _slot_decision(context: DeviceContext, winner: SlotRule | None) -> Decision:
    if winner is not None:
        return Decision(winner.playlist_id, _SLOT_REASON[winner.target_type], winner.slot_id)
    return _fallback_decision(context)


def _fallback_decision(context: DeviceContext) -> Decision:
    """§31.5: venue fallback, tenant default, last published, else nothing."""
    chain = (
        (context.venue_fallback_playlist_id, FallbackSource.VENUE_FALLBACK),
        (context.tenant_default_playlist_id, FallbackSource.TENANT_DEFAULT),
        (context.last_published_playlist_id, FallbackSource.LAST_PUBLISHED),
    )
    for playlist_id, source in chain:
        if playlist_id is not None:
            return Decision(playlist_id, ResolutionReason.FALLBACK, fallback_source=source)
    return Decision(None, ResolutionReason.NONE)


def _later_than(change: datetime, now: datetime) -> datetime:
    """Guarantee progress (§30.5 "no infinite loops") should a conversion ever land at now."""
    return change if change > now else now + timedelta(minutes=1)
