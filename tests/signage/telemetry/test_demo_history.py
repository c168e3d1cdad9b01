"""The demo's telemetry generator (issue 18 item 4), a pure function of the screens, `now` and
a seed: heartbeats a minute apart through each day's opening hours, flapping screens with
gaps and their offline events, one venue's screens failing one video, nothing after `now`."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from signage.auth.principal import DevicePrincipal
from signage.devices.registry import ONLINE_WITHIN
from signage.enums import DeviceEventType, NetworkType, PlayerState
from signage.telemetry.demo_history import (
    DemoHistory,
    OpeningHours,
    PlayItem,
    Programme,
    ScreenPlan,
    Slot,
    demo_history,
)
from signage.telemetry.ingest import ReceivedHeartbeat

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # a Monday, 13:00 in London
DAYS = 7
PUB = OpeningHours(((11 * 60, 23 * 60),) * 7)
CAFE = OpeningHours(((7 * 60 + 30, 17 * 60),) * 6 + (None,))  # closed on Sundays
BEAT_GAP_MAX = timedelta(seconds=66)  # 60 s and the player's 10 % jitter


def ids(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"demo-history-test/{name}")


IMAGES = tuple(PlayItem(ids(f"image-{n}"), 8, 300_000) for n in range(3))
CLIP = PlayItem(ids("clip"), 6, 2_000_000)
HOUSE = Programme(ids("house"), 2, (*IMAGES, CLIP))
HAPPY = Programme(ids("happy"), 1, (IMAGES[2], CLIP))
TENANT, PUB_ID, CAFE_ID = ids("tenant"), ids("pub"), ids("cafe")


def screen(name: str, venue: uuid.UUID, hours: OpeningHours, **plan: object) -> ScreenPlan:
    return ScreenPlan(
        device=DevicePrincipal(ids(name), venue, TENANT),
        key=name,
        timezone="Europe/London",
        hours=hours,
        fallback=HOUSE,
        **plan,  # type: ignore[arg-type]
    )


HAPPY_HOUR = Slot(0b0011111, 17 * 60, 19 * 60, HAPPY)
BAR = screen("bar", PUB_ID, PUB, slots=(HAPPY_HOUR,))
BAR_WIFI = screen("bar-wifi", PUB_ID, PUB, network=NetworkType.WIFI, flaps=True)
COUNTER = screen("counter", CAFE_ID, CAFE, failing_asset_id=CLIP.asset_id)
WINDOW = screen("window", CAFE_ID, CAFE, failing_asset_id=CLIP.asset_id, flaps=True)
SCREENS = (BAR, BAR_WIFI, COUNTER, WINDOW)


@pytest.fixture(scope="module")
def history() -> DemoHistory:
    return demo_history(SCREENS, NOW, DAYS, seed=7)


def beats_of(history: DemoHistory, plan: ScreenPlan) -> list[ReceivedHeartbeat]:
    return [b for b in history.heartbeats if b.device == plan.device]


def by_local_day(beats: list[ReceivedHeartbeat]) -> dict[date, list[datetime]]:
    days: dict[date, list[datetime]] = {}
    for beat in beats:
        days.setdefault(beat.received_at.astimezone(LONDON).date(), []).append(beat.received_at)
    return days


def local(day: date, minutes: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LONDON) + timedelta(minutes=minutes)


def gaps(times: list[datetime]) -> list[timedelta]:
    return [later - earlier for earlier, later in pairwise(times)]


def test_steady_screens_beat_every_minute_through_each_days_opening_hours(
    history: DemoHistory,
) -> None:
    for plan in (BAR, COUNTER):
        days = by_local_day(beats_of(history, plan))
        first_day, today = (NOW - timedelta(days=DAYS)).astimezone(LONDON).date(), NOW.date()
        for day, times in days.items():
            hours = plan.hours.on(day)
            assert hours is not None, f"{plan.key} beat on a closed day {day}"
            assert local(day, hours[0] - 16) <= times[0]
            assert times[-1] <= local(day, hours[1] + 13)
            assert max(gaps(times)) <= BEAT_GAP_MAX
            if first_day < day < today:  # a whole day: on through all of its opening hours
                assert times[0] <= local(day, hours[0])
                assert times[-1] >= local(day, hours[1])
                open_minutes = hours[1] - hours[0]
                assert open_minutes <= len(times) <= (open_minutes + 28) * 1.12
    cafe_days = by_local_day(beats_of(history, COUNTER))
    assert date(2026, 6, 14) not in cafe_days  # Sunday: closed
    assert len(cafe_days) == 7  # Monday 8th (from 13:00) to Saturday 13th, and today


def test_each_day_starts_booting_then_plays_with_the_fields_a_player_sends(
    history: DemoHistory,
) -> None:
    beats = beats_of(history, BAR)
    days = by_local_day(beats)
    for times in list(days.values())[1:]:  # the window starts in the middle of the first
        first = next(b for b in beats if b.received_at == times[0])
        assert first.beat.state is PlayerState.BOOTING
    playing = [b.beat for b in beats if b.beat.state is PlayerState.PLAYING]
    assert len(playing) == len(beats) - (len(days) - 1)
    beat = playing[-1]
    assert (beat.playlist_id, beat.published_version) == (HOUSE.playlist_id, 2)
    assert beat.current_asset_id in {item.asset_id for item in HOUSE.items}
    assert (beat.manifest_etag or "").startswith("m:")
    assert 0 < (beat.cache_used_bytes or 0) < (beat.cache_total_bytes or 0)
    assert (beat.cache_asset_count, beat.network_type) == (4, NetworkType.ETHERNET)
    assert max(b.loop_count or 0 for b in playing) > 100  # a loop is 30 s: hours of loops


def test_the_bar_screen_plays_happy_hour_on_weekday_evenings(history: DemoHistory) -> None:
    evening = [
        b.beat.playlist_id
        for b in beats_of(history, BAR)
        if b.received_at.astimezone(LONDON).weekday() < 5
        and 17 * 60 + 2 <= _minute_of_day(b.received_at) < 19 * 60
    ]
    assert evening
    assert set(evening) == {HAPPY.playlist_id}
    weekend = [
        b.beat.playlist_id
        for b in beats_of(history, BAR)
        if b.received_at.astimezone(LONDON).weekday() >= 5 and b.beat.state is PlayerState.PLAYING
    ]
    assert set(weekend) == {HOUSE.playlist_id}


def _minute_of_day(moment: datetime) -> int:
    local_time = moment.astimezone(LONDON)
    return local_time.hour * 60 + local_time.minute


def test_flapping_screens_have_gaps_announced_by_their_own_events(history: DemoHistory) -> None:
    for plan in (BAR_WIFI, WINDOW):
        beats = beats_of(history, plan)
        outages = [
            (earlier, later)
            for times in by_local_day(beats).values()
            for earlier, later in pairwise(times)
            if later - earlier > ONLINE_WITHIN
        ]
        assert len(outages) >= len(by_local_day(beats))  # at least one a day on average
        events = [e for e in history.events if e.device == plan.device]
        kinds = Counter(e.event.event_type for e in events)
        restored = [e for e in events if e.event.event_type is DeviceEventType.ONLINE_RESTORED]
        assert kinds[DeviceEventType.OFFLINE_ENTERED] == len(restored) >= len(outages) - 1
        reconnects = {later for _, later in outages}
        for beat in beats:
            if beat.received_at in reconnects:
                assert (beat.beat.manifest_fetch_failures or 0) > 0
                assert beat.beat.last_sync_at == beat.received_at
        fetch_failed = kinds[DeviceEventType.MANIFEST_FETCH_FAILED]
        assert fetch_failed == sum(b.beat.manifest_fetch_failures or 0 for b in beats)
        # what happened offline arrives after the reconnect, in one flush
        offline = [e for e in events if e.event.event_type is DeviceEventType.OFFLINE_ENTERED]
        assert all(e.received_at - e.event.event_time > timedelta(minutes=2) for e in offline)
    for plan in (BAR, COUNTER):
        times = [b.received_at for b in beats_of(history, plan)]
        assert all(gap <= BEAT_GAP_MAX or gap > timedelta(hours=6) for gap in gaps(times))


def test_the_cafe_screens_fail_the_clip_and_nothing_else_fails(history: DemoHistory) -> None:
    failed = [e for e in history.events if e.event.event_type is DeviceEventType.PLAYBACK_FAILED]
    assert {e.device for e in failed} == {COUNTER.device, WINDOW.device}
    assert {e.event.payload["assetId"] for e in failed} == {str(CLIP.asset_id)}
    assert {e.event.payload["reason"] for e in failed} == {"DECODE_ERROR"}
    per_device_day = Counter(
        (e.device.device_id, e.event.event_time.astimezone(LONDON).date()) for e in failed
    )
    assert all(1 <= n <= 8 for n in per_device_day.values())  # at boot and after each apply
    for plan in SCREENS:
        beats = beats_of(history, plan)
        reported = sum(b.beat.playback_failures or 0 for b in beats)
        sent = sum(1 for e in failed if e.device == plan.device)
        assert sent - 1 <= reported <= sent
        shown = {b.beat.current_asset_id for b in beats}
        assert (CLIP.asset_id in shown) is (plan.failing_asset_id is None)


def test_nothing_is_received_after_now_or_before_the_window(history: DemoHistory) -> None:
    start = NOW - timedelta(days=DAYS)
    moments = [b.received_at for b in history.heartbeats] + [e.received_at for e in history.events]
    assert all(start <= moment <= NOW for moment in moments)
    assert moments == sorted(moments[: len(history.heartbeats)]) + sorted(
        moments[len(history.heartbeats) :]
    )
    # both venues are open at `now`: a steady screen's newest heartbeat is within the minute
    for plan in (BAR, COUNTER):
        assert NOW - beats_of(history, plan)[-1].received_at <= BEAT_GAP_MAX


def test_the_same_seed_and_time_give_the_same_rows(history: DemoHistory) -> None:
    assert demo_history(SCREENS, NOW, DAYS, seed=7) == history
    two_days = demo_history(SCREENS, NOW, 2, seed=7)
    other = demo_history(SCREENS, NOW, 2, seed=8)
    assert other != two_days
    assert [e.event.event_id for e in other.events] != [e.event.event_id for e in two_days.events]
    earlier = demo_history(SCREENS, NOW - timedelta(hours=3), 2, seed=7)
    assert max(b.received_at for b in earlier.heartbeats) <= NOW - timedelta(hours=3)
