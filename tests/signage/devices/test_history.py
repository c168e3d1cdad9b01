"""A screen's heartbeats reduced to what changed (§21 device detail, §26.10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from signage.devices.history import Beat, ChangeKind, StatusChange, status_changes
from signage.enums import PlayerState

START = datetime(2026, 6, 15, 8, tzinfo=UTC)
PLAYING, ERROR_SCREEN = PlayerState.PLAYING, PlayerState.ERROR_SCREEN


def minute(n: float) -> datetime:
    return START + timedelta(minutes=n)


def playing(n: float, **fields: object) -> Beat:
    values: dict[object, object] = {"state": PLAYING, "app_version": "1.2.0"}
    values.update(fields)
    return Beat(minute(n), **values)  # type: ignore[arg-type]


def kinds(changes: list[StatusChange]) -> list[ChangeKind]:
    return [change.kind for change in changes]


def test_a_steady_screen_shows_only_the_state_it_started_the_window_in() -> None:
    beats = [playing(n) for n in range(10)]

    assert status_changes(beats, now=minute(10)) == [
        StatusChange(ChangeKind.STATE, minute(0), None, "PLAYING")
    ]


def test_no_heartbeats_no_history() -> None:
    assert status_changes([], now=minute(0)) == []


def test_state_changes_come_newest_first_with_before_and_after() -> None:
    beats = [playing(0), playing(1, state=ERROR_SCREEN), playing(2), playing(3)]

    changes = status_changes(beats, now=minute(3))

    assert [(c.at, c.before, c.after) for c in changes] == [
        (minute(2), "ERROR_SCREEN", "PLAYING"),
        (minute(1), "PLAYING", "ERROR_SCREEN"),
        (minute(0), None, "PLAYING"),
    ]


def test_an_app_update_and_a_lost_connection_are_changes_but_their_first_reading_is_not() -> None:
    beats = [
        playing(0, network_connected=True),
        playing(1, network_connected=False),
        playing(2, app_version="1.3.0", network_connected=True),
    ]

    changes = status_changes(beats, now=minute(2))

    assert [(c.kind, c.before, c.after) for c in changes] == [
        (ChangeKind.APP_VERSION, "1.2.0", "1.3.0"),
        (ChangeKind.NETWORK, "disconnected", "connected"),
        (ChangeKind.NETWORK, "connected", "disconnected"),
        (ChangeKind.STATE, None, "PLAYING"),
    ]


def test_a_field_left_out_keeps_its_last_value() -> None:
    beats = [playing(0), playing(1, state=None, app_version=None), playing(2)]

    assert kinds(status_changes(beats, now=minute(2))) == [ChangeKind.STATE]


def test_a_silence_longer_than_the_online_window_is_offline_then_online() -> None:
    beats = [playing(0), playing(1), playing(9), playing(10)]

    changes = status_changes(beats, now=minute(10), offline_after=timedelta(minutes=2))

    assert [(c.kind, c.at) for c in changes] == [
        (ChangeKind.ONLINE, minute(9)),
        (ChangeKind.OFFLINE, minute(1)),  # the last heartbeat before the silence
        (ChangeKind.STATE, minute(0)),
    ]


def test_a_gap_within_the_online_window_is_not_an_outage() -> None:
    beats = [playing(0), playing(2), playing(4)]

    changes = status_changes(beats, now=minute(4), offline_after=timedelta(minutes=2))

    assert kinds(changes) == [ChangeKind.STATE]


def test_a_screen_silent_until_now_is_offline_since_its_last_heartbeat() -> None:
    beats = [playing(0), playing(1)]

    changes = status_changes(beats, now=minute(30), offline_after=timedelta(minutes=2))

    assert changes[0] == StatusChange(ChangeKind.OFFLINE, minute(1))


def test_heartbeats_are_read_in_time_order_whatever_order_they_come_in() -> None:
    beats = [playing(2), playing(0), playing(1, state=ERROR_SCREEN)]

    changes = status_changes(beats, now=minute(2))

    assert [c.at for c in changes] == [minute(2), minute(1), minute(0)]
