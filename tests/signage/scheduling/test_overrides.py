"""Takeover overrides beat every slot; their starts and stops bound validity."""

from __future__ import annotations

from datetime import timedelta

from signage.enums import OverrideTargetType, SlotTargetType
from signage.scheduling import ResolutionReason, resolve
from tests.signage.scheduling.builders import OTHER_GROUP, context, override, slot, utc

CTX = context(tz="UTC")
NOON = utc(2026, 6, 1, 12)
DEVICE_SLOT = slot("00:00", "00:00", playlist="device-slot", target=SlotTargetType.DEVICE)


def test_active_override_beats_device_slot() -> None:
    takeover = override(NOON - timedelta(hours=1), NOON + timedelta(hours=1))
    result = resolve(CTX, [DEVICE_SLOT], [takeover], NOON)
    assert (result.playlist_id, result.reason) == ("pl-override", ResolutionReason.OVERRIDE)
    assert result.rule_id == takeover.override_id
    assert result.valid_to_utc == NOON + timedelta(hours=1)


def test_override_starting_later_is_not_active_yet_and_bounds_validity() -> None:
    takeover = override(NOON + timedelta(minutes=30), NOON + timedelta(hours=2))
    result = resolve(CTX, [DEVICE_SLOT], [takeover], NOON)
    assert result.playlist_id == "device-slot"
    assert result.valid_to_utc == NOON + timedelta(minutes=30)


def test_open_ended_override_lasts_until_cancelled() -> None:
    takeover = override(NOON - timedelta(days=30))
    result = resolve(CTX, [DEVICE_SLOT], [takeover], NOON)
    assert result.reason is ResolutionReason.OVERRIDE
    assert result.valid_to_utc == NOON + timedelta(hours=6)


def test_ended_override_no_longer_applies() -> None:
    takeover = override(NOON - timedelta(hours=2), NOON - timedelta(hours=1))
    assert resolve(CTX, [DEVICE_SLOT], [takeover], NOON).playlist_id == "device-slot"


def test_override_end_is_exclusive() -> None:
    takeover = override(NOON - timedelta(hours=2), NOON)
    assert resolve(CTX, [DEVICE_SLOT], [takeover], NOON).playlist_id == "device-slot"


def test_cancelled_override_stops_at_cancellation() -> None:
    cancelled_at = NOON + timedelta(minutes=10)
    takeover = override(NOON - timedelta(hours=1), cancelled=cancelled_at)
    assert resolve(CTX, [DEVICE_SLOT], [takeover], NOON).valid_to_utc == cancelled_at
    later = resolve(CTX, [DEVICE_SLOT], [takeover], cancelled_at)
    assert later.playlist_id == "device-slot"


def test_override_cancelled_before_it_started_never_applies() -> None:
    takeover = override(NOON + timedelta(hours=1), cancelled=NOON)
    result = resolve(CTX, [DEVICE_SLOT], [takeover], NOON - timedelta(minutes=1))
    assert result.valid_to_utc == NOON - timedelta(minutes=1) + timedelta(hours=6)


def test_overrides_for_other_targets_are_ignored() -> None:
    others = [
        override(NOON - timedelta(hours=1), target=OverrideTargetType.DEVICE, target_id="dev-x"),
        override(NOON - timedelta(hours=1), target=OverrideTargetType.GROUP, target_id="grp-x"),
        override(NOON - timedelta(hours=1), target=OverrideTargetType.VENUE, target_id="ven-x"),
    ]
    assert resolve(CTX, [DEVICE_SLOT], others, NOON).playlist_id == "device-slot"


def test_group_override_applies_to_members_of_any_group() -> None:
    ctx = context(tz="UTC", groups=("grp-1", OTHER_GROUP))
    takeover = override(
        NOON - timedelta(hours=1), target=OverrideTargetType.GROUP, target_id=OTHER_GROUP
    )
    assert resolve(ctx, [DEVICE_SLOT], [takeover], NOON).rule_id == takeover.override_id


def test_device_override_beats_newer_venue_override() -> None:
    device = override(
        NOON - timedelta(hours=1),
        playlist="device-takeover",
        target=OverrideTargetType.DEVICE,
        created=utc(2026, 5, 1),
    )
    venue = override(NOON - timedelta(hours=1), playlist="venue-takeover", created=utc(2026, 5, 9))
    assert resolve(CTX, [], [venue, device], NOON).playlist_id == "device-takeover"


def test_newer_override_wins_among_the_same_target_type() -> None:
    older = override(NOON - timedelta(hours=1), playlist="older", created=utc(2026, 5, 1))
    newer = override(NOON - timedelta(hours=1), playlist="newer", created=utc(2026, 5, 2))
    assert resolve(CTX, [], [older, newer], NOON).playlist_id == "newer"
    assert resolve(CTX, [], [newer, older], NOON).playlist_id == "newer"


def test_better_override_starting_later_bounds_validity_but_worse_one_does_not() -> None:
    current = override(NOON - timedelta(hours=1), created=utc(2026, 5, 2))
    worse = override(NOON + timedelta(minutes=5), created=utc(2026, 5, 1))
    better = override(NOON + timedelta(minutes=20), target=OverrideTargetType.DEVICE)
    assert resolve(CTX, [], [current, worse], NOON).valid_to_utc == NOON + timedelta(hours=6)
    result = resolve(CTX, [], [current, worse, better], NOON)
    assert result.valid_to_utc == NOON + timedelta(minutes=20)


def test_slots_resume_when_the_override_ends() -> None:
    takeover = override(NOON - timedelta(hours=1), NOON + timedelta(hours=1))
    after = resolve(CTX, [DEVICE_SLOT], [takeover], NOON + timedelta(hours=1))
    assert (after.playlist_id, after.reason) == ("device-slot", ResolutionReason.DEVICE_SLOT)
