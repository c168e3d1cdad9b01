"""Realistic telemetry history for demo screens (issue 18 item 4): what a few players would
have sent over the past days, as a pure function of the screens, `now` and a seed.

Each screen powers on shortly before its venue opens and off shortly after it closes (venue
local time, DST included) and heartbeats at the player's cadence (§27.8.2: nextCheckSeconds,
60 s with ±10 % jitter) with the fields a player reports: the manifest it applied, the item on
screen and its loop (the platform's proof of play, §27.8.2 `playback`), cache, network, and the
failure counters since the previous heartbeat. Events are the player's own (§27.8.3, player/):
APP_STARTED at each boot, MANIFEST_STAGED/APPLIED when the manifest changes (the venue's
6-hourly validity window, a scheduled slot), and
- a flapping screen drops off the network a few times a day: no heartbeats meanwhile, then
  OFFLINE_ENTERED, MANIFEST_FETCH_FAILED per failed poll and ONLINE_RESTORED, buffered and
  received when it reconnects, and the reconnecting heartbeat counts the failed polls;
- a screen with a failing asset reports PLAYBACK_FAILED (DECODE_ERROR) the first time the
  rotation reaches it after each apply, then skips it (§28.4: not retried until the next apply).

Nothing is received after `now` (events buffered by a screen still offline at `now` have not
arrived). Deterministic: the same screens, `now`, days and seed give the same rows.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from signage.auth.principal import DevicePrincipal
from signage.enums import DeviceEventType, EventSeverity, NetworkType, PlayerState
from signage.manifest.document import grid_valid_to
from signage.scheduling.resolver import MAX_VALIDITY as VALIDITY_WINDOW
from signage.telemetry.ingest import Event, Heartbeat, ReceivedHeartbeat

HEARTBEAT_SECONDS = 60.0
JITTER = 0.1  # the manifest's nextCheckSeconds jitter, which heartbeats follow
CACHE_BUDGET_BYTES = 2 * 1024**3  # §11.1's default, as a device has it unless changed
APP_VERSION = "1.2.0"
NEWER_APP_VERSION = "1.3.0"
OS_VERSION = "Debian 12"
# Failed manifest polls back off as the player's do (player/sync_policy.py): 2 s doubling to
# 300 s at most, each wait scaled into [50 %, 100 %].
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 300.0
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PlayItem:
    """One item of a published playlist as a screen plays it."""

    asset_id: uuid.UUID
    seconds: int
    size_bytes: int


@dataclass(frozen=True)
class Programme:
    """A published playlist snapshot (§27.8.2 `playback.playlistId`, `publishedVersion`)."""

    playlist_id: uuid.UUID
    published_version: int
    items: tuple[PlayItem, ...]


@dataclass(frozen=True)
class Slot:
    """A weekly slot (§26.8) that replaces the fallback programme, in venue local minutes."""

    weekdays: int  # bit 0 = Monday
    start_minutes: int
    end_minutes: int
    programme: Programme


@dataclass(frozen=True)
class OpeningHours:
    """Per weekday, Monday first: (open, close) in local minutes of the day, or None: closed."""

    weekly: tuple[tuple[int, int] | None, ...]

    def on(self, day: date) -> tuple[int, int] | None:
        return self.weekly[day.weekday()]


@dataclass(frozen=True)
class ScreenPlan:
    """One demo screen: where it is, what it plays and how it misbehaves."""

    device: DevicePrincipal
    key: str  # stable name that seeds the screen's own randomness
    timezone: str
    hours: OpeningHours
    fallback: Programme
    slots: tuple[Slot, ...] = ()
    model: str = "NUC13"
    network: NetworkType = NetworkType.ETHERNET
    flaps: bool = False
    failing_asset_id: uuid.UUID | None = None  # an asset this screen cannot decode
    upgraded_days_ago: int | None = None  # the app updates at the first boot after this
    cache_budget_bytes: int = CACHE_BUDGET_BYTES


@dataclass(frozen=True)
class ReceivedEvent:
    device: DevicePrincipal
    event: Event
    received_at: datetime


@dataclass(frozen=True)
class DemoHistory:
    heartbeats: list[ReceivedHeartbeat]
    events: list[ReceivedEvent]


def demo_history(screens: Sequence[ScreenPlan], now: datetime, days: int, seed: int) -> DemoHistory:
    """The heartbeats and events `screens` sent over the `days` before `now`, each list
    ordered by receive time."""
    start = now - timedelta(days=days)
    heartbeats: list[ReceivedHeartbeat] = []
    events: list[ReceivedEvent] = []
    for screen in screens:
        rng = random.Random(f"{seed}:{screen.key}")
        player = _Player(screen, rng, now)
        for on, off in power_sessions(screen, start, now, rng):
            player.run_session(on, off)
        heartbeats += [b for b in player.heartbeats if start <= b.received_at <= now]
        events += [e for e in player.events if start <= e.received_at <= now]
    heartbeats.sort(key=lambda b: (b.received_at, str(b.device.device_id)))
    events.sort(key=lambda e: (e.received_at, e.event.event_time, str(e.device.device_id)))
    return DemoHistory(heartbeats, events)


def power_sessions(
    screen: ScreenPlan, start: datetime, now: datetime, rng: random.Random
) -> list[tuple[datetime, datetime]]:
    """(power on, power off) in UTC for each opening day that overlaps [start, now]: on a few
    minutes before the venue opens, off a few minutes after it closes."""
    zone = ZoneInfo(screen.timezone)
    first, last = start.astimezone(zone).date(), now.astimezone(zone).date()
    sessions = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        hours = screen.hours.on(day)
        early, late = rng.uniform(5, 15), rng.uniform(2, 12)  # drawn even when closed
        if hours is None:
            continue
        on = _local(day, hours[0] - early, zone)
        off = _local(day, hours[1] + late, zone)
        if off >= start and on <= now:
            sessions.append((on, off))
    return sessions


def _local(day: date, minutes: float, zone: ZoneInfo) -> datetime:
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    naive_local = midnight.replace(tzinfo=None) + timedelta(minutes=minutes)
    return naive_local.replace(tzinfo=zone).astimezone(UTC)


def flap_gaps(on: datetime, off: datetime, rng: random.Random) -> list[tuple[datetime, datetime]]:
    """One to four non-overlapping network outages of 3 to 40 minutes inside a session, at
    least half an hour from either end."""
    gaps: list[tuple[datetime, datetime]] = []
    for _ in range(rng.randint(1, 4)):
        length = timedelta(minutes=rng.uniform(3, 40))
        room = (off - on - length - timedelta(hours=1)).total_seconds()
        if room <= 0:
            continue
        begin = on + timedelta(minutes=30, seconds=rng.uniform(0, room))
        gap = (begin, begin + length)
        if all(gap[1] < other[0] or gap[0] > other[1] for other in gaps):
            gaps.append(gap)
    return sorted(gaps)


def beat_times(
    on: datetime, off: datetime, gaps: Sequence[tuple[datetime, datetime]], rng: random.Random
) -> list[datetime]:
    """When heartbeats reach the server: a jittered minute apart from shortly after power on;
    none during an outage, the first at its end (the reconnect), then a minute apart again."""
    times = []
    at = on + timedelta(seconds=rng.uniform(20, 45))
    low, high = HEARTBEAT_SECONDS * (1 - JITTER), HEARTBEAT_SECONDS * (1 + JITTER)
    while at <= off:
        at = next((end for begin, end in gaps if begin <= at < end), at)  # the reconnect
        times.append(at)
        at += timedelta(seconds=rng.uniform(low, high))
    return times


def programme_at(screen: ScreenPlan, moment: datetime) -> Programme:
    """The fallback, or the slot on air at `moment` in the screen's local time."""
    local = moment.astimezone(ZoneInfo(screen.timezone))
    minute = local.hour * 60 + local.minute
    for slot in screen.slots:
        if slot.weekdays >> local.weekday() & 1 and slot.start_minutes <= minute < slot.end_minutes:
            return slot.programme
    return screen.fallback


def manifest_etag(device_id: uuid.UUID, programme: Programme, valid_to: datetime) -> str:
    """An opaque ETag that changes with the programme and the venue's validity window (its
    6-hourly grid, signage/manifest/document.py), like the server's."""
    content = f"{device_id}|{programme.playlist_id}|{programme.published_version}|{valid_to}"
    return f"m:{hashlib.sha256(content.encode()).hexdigest()[:32]}"


@dataclass
class _Rotation:
    """The applied manifest and where its rotation started (§28.4)."""

    etag: str | None = None
    programme: Programme | None = None
    started_at: datetime | None = None
    playing: tuple[tuple[int, PlayItem], ...] = ()  # (index, item) less the failing asset
    loop_seconds: int = 0

    @classmethod
    def start(
        cls, etag: str, programme: Programme, at: datetime, failing: uuid.UUID | None
    ) -> _Rotation:
        playing = tuple(
            (n, item) for n, item in enumerate(programme.items) if item.asset_id != failing
        )
        return cls(etag, programme, at, playing, sum(item.seconds for _, item in playing))


@dataclass
class _Player:
    """One screen's player across its sessions, appending what it sent."""

    screen: ScreenPlan
    rng: random.Random
    now: datetime
    heartbeats: list[ReceivedHeartbeat] = field(default_factory=list)
    events: list[ReceivedEvent] = field(default_factory=list)
    rotation: _Rotation = field(default_factory=_Rotation)
    failures: list[datetime] = field(default_factory=list)  # PLAYBACK_FAILED times

    def __post_init__(self) -> None:
        self.clock_skew = timedelta(seconds=self.rng.uniform(-2, 2))
        self.cache: dict[str, Any] = self._cache(overhead=self.rng.randint(5, 40) * 1024**2)
        self.etags: dict[tuple[uuid.UUID, int, datetime], str] = {}
        self.window_end = FAR_FUTURE  # of the venue's current validity window

    def run_session(self, on: datetime, off: datetime) -> None:
        """Power on at `on`, play until `off`: a heartbeat a minute, each followed by a
        manifest poll (the first after boot restarts the rotation from the cached manifest)."""
        gaps = flap_gaps(on, off, self.rng) if self.screen.flaps else []
        version = self._version(on)
        self._emit(
            on + timedelta(seconds=self.rng.uniform(3, 8)),
            DeviceEventType.APP_STARTED,
            {"appVersion": version, "deviceModel": self.screen.model, "osVersion": OS_VERSION},
            gaps,
        )
        fetch_failures = {end: self._outage(begin, end) for begin, end in gaps}
        previous: datetime | None = None
        for at in beat_times(on, off, gaps, self.rng):
            self._beat(at, previous, version, fetch_failures.get(at, 0))
            polled = at + timedelta(seconds=self.rng.uniform(1, 20))
            if not _within(polled, gaps):  # a poll that went out as the network dropped
                self._follow_manifest(polled, off, gaps, restart=previous is None)
            previous = at

    def _version(self, boot: datetime) -> str:
        days_ago = self.screen.upgraded_days_ago
        upgraded = days_ago is not None and boot >= self.now - timedelta(days=days_ago)
        return NEWER_APP_VERSION if upgraded else APP_VERSION

    def _outage(self, begin: datetime, end: datetime) -> int:
        """The events of one outage; returns how many manifest polls failed in it."""
        last_online = begin - timedelta(seconds=self.rng.uniform(5, 50))
        gap = [(begin, end)]
        self._emit(
            begin, DeviceEventType.OFFLINE_ENTERED, {"lastOnlineAtUtc": _iso(last_online)}, gap
        )
        failed = self._failed_polls(begin, end)
        for at in failed:
            self._emit(
                at,
                DeviceEventType.MANIFEST_FETCH_FAILED,
                {"httpStatus": None, "reason": "ConnectError"},
                gap,
            )
        offline_seconds = int((end - begin).total_seconds())
        self._emit(
            end, DeviceEventType.ONLINE_RESTORED, {"offlineDurationSeconds": offline_seconds}, []
        )
        return len(failed)

    def _failed_polls(self, begin: datetime, end: datetime) -> list[datetime]:
        """The manifest polls an outage from `begin` to `end` fails, backing off."""
        polls, at, waited = [], begin, BACKOFF_BASE_SECONDS
        while at < end:
            polls.append(at)
            at += timedelta(seconds=waited * self.rng.uniform(0.5, 1.0))
            waited = min(BACKOFF_CAP_SECONDS, waited * 2)
        return polls

    def _follow_manifest(
        self,
        at: datetime,
        off: datetime,
        gaps: Sequence[tuple[datetime, datetime]],
        restart: bool,
    ) -> None:
        """Stage and apply the server's manifest when it changed; a new manifest (or a boot)
        starts the rotation over, with failed items forgiven (§28.4)."""
        programme = programme_at(self.screen, at)
        etag = self._etag(programme, at)
        if etag != self.rotation.etag:
            self._emit(at, DeviceEventType.MANIFEST_STAGED, {"manifestEtag": etag}, gaps)
            payload = {"manifestEtag": etag, "previousEtag": self.rotation.etag}
            at += timedelta(seconds=self.rng.uniform(0.5, 8))  # applied at an item boundary
            self._emit(at, DeviceEventType.MANIFEST_APPLIED, payload, gaps)
        elif not restart:
            return
        self.rotation = _Rotation.start(etag, programme, at, self.screen.failing_asset_id)
        failed_at = self._failure_time(programme, at)
        if failed_at is not None and failed_at <= off:
            self._playback_failed(failed_at, gaps)

    def _playback_failed(self, at: datetime, gaps: Sequence[tuple[datetime, datetime]]) -> None:
        """The failing asset came round: reported, then skipped until the next apply."""
        self.failures.append(at)
        payload = {
            "assetId": str(self.screen.failing_asset_id),
            "reason": "DECODE_ERROR",
            "message": "libVLC reported an error",
        }
        self._emit(at, DeviceEventType.PLAYBACK_FAILED, payload, gaps)

    def _etag(self, programme: Programme, at: datetime) -> str:
        if not self.window_end - VALIDITY_WINDOW <= at < self.window_end:
            self.window_end = grid_valid_to(self.screen.device.venue_id, at, FAR_FUTURE)
        key = (programme.playlist_id, programme.published_version, self.window_end)
        if key not in self.etags:
            self.etags[key] = manifest_etag(
                self.screen.device.device_id, programme, self.window_end
            )
        return self.etags[key]

    def _failure_time(self, programme: Programme, applied: datetime) -> datetime | None:
        """When the rotation first reaches the failing asset (it fails at once)."""
        before = 0
        for item in programme.items:
            if item.asset_id == self.screen.failing_asset_id:
                return applied + timedelta(seconds=before)
            before += item.seconds
        return None

    def _beat(self, at: datetime, previous: datetime | None, version: str, polls: int) -> None:
        """The heartbeat received at `at` (`polls`: manifest polls failed since the last)."""
        failures = sum(1 for t in self.failures if (previous or at) < t <= at)
        beat = Heartbeat(
            device_time=at + self.clock_skew,
            app_version=version,
            state=PlayerState.BOOTING if previous is None else PlayerState.PLAYING,
            manifest_etag=self.rotation.etag,
            **self._playback(at, booting=previous is None),
            **self.cache,
            network_connected=True,
            network_type=self.screen.network,
            last_sync_at=at if polls else at - timedelta(seconds=self.rng.uniform(0, 30)),
            playback_failures=failures,
            download_failures=0,
            manifest_fetch_failures=polls,
        )
        self.heartbeats.append(ReceivedHeartbeat(self.screen.device, beat, at))

    def _playback(self, at: datetime, booting: bool) -> dict[str, Any]:
        """§27.8.2 `playback`: the item on screen and the loops since the rotation started."""
        rotation = self.rotation
        if booting or rotation.programme is None or rotation.started_at is None:
            return dict.fromkeys(_PLAYBACK_FIELDS)  # not playing yet
        if not rotation.loop_seconds:
            return dict.fromkeys(_PLAYBACK_FIELDS)  # nothing playable
        elapsed = (at - rotation.started_at).total_seconds()
        loops, into = divmod(elapsed, rotation.loop_seconds)
        index, item = _item_at(rotation.playing, into)
        return {
            "playlist_id": rotation.programme.playlist_id,
            "published_version": rotation.programme.published_version,
            "current_asset_id": item.asset_id,
            "current_item_index": index,
            "loop_count": int(loops),
        }

    def _cache(self, overhead: int) -> dict[str, int]:
        """§27.8.2 `cache`: every programme's assets are held (and the player's own files)."""
        assets = {i.asset_id: i.size_bytes for p in self._programmes() for i in p.items}
        return {
            "cache_total_bytes": self.screen.cache_budget_bytes,
            "cache_used_bytes": sum(assets.values()) + overhead,
            "cache_asset_count": len(assets),
            "pending_downloads": 0,
        }

    def _programmes(self) -> list[Programme]:
        return [self.screen.fallback, *(slot.programme for slot in self.screen.slots)]

    def _emit(
        self,
        at: datetime,
        event_type: DeviceEventType,
        payload: dict[str, Any],
        gaps: Sequence[tuple[datetime, datetime]],
    ) -> None:
        """An event that happened at `at`, received with the next flush, or when the screen
        reconnects if it happened during an outage."""
        received = at + timedelta(seconds=self.rng.uniform(1, 30))
        for begin, end in gaps:
            if begin <= at < end:
                received = end + timedelta(seconds=self.rng.uniform(1, 5))
                break
        event = Event(
            event_id=uuid.UUID(int=self.rng.getrandbits(128), version=4),
            event_type=event_type,
            severity=SEVERITIES[event_type],
            event_time=at + self.clock_skew,
            payload=payload,
        )
        self.events.append(ReceivedEvent(self.screen.device, event, received))


_PLAYBACK_FIELDS = (
    "playlist_id",
    "published_version",
    "current_asset_id",
    "current_item_index",
    "loop_count",
)
SEVERITIES = {  # §27.8.3's table
    DeviceEventType.APP_STARTED: EventSeverity.INFO,
    DeviceEventType.MANIFEST_STAGED: EventSeverity.INFO,
    DeviceEventType.MANIFEST_APPLIED: EventSeverity.INFO,
    DeviceEventType.MANIFEST_FETCH_FAILED: EventSeverity.WARNING,
    DeviceEventType.OFFLINE_ENTERED: EventSeverity.WARNING,
    DeviceEventType.ONLINE_RESTORED: EventSeverity.INFO,
    DeviceEventType.PLAYBACK_FAILED: EventSeverity.ERROR,
}


def _within(moment: datetime, gaps: Sequence[tuple[datetime, datetime]]) -> bool:
    return any(begin <= moment < end for begin, end in gaps)


def _item_at(playing: Sequence[tuple[int, PlayItem]], seconds: float) -> tuple[int, PlayItem]:
    """The (index, item) on screen `seconds` into a loop of `playing`."""
    for index, item in playing:
        if seconds < item.seconds:
            return index, item
        seconds -= item.seconds
    return playing[-1]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
