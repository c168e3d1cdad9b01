"""The scenarios (issue 20, conformance item 2), run in order against one player: it is paired
first and revoked last. Each reads the player only through its adapter and the platform only
over HTTP (or its database, for what the platform stored), never a player's internals.

Blank is measured by sampling the adapter every 0.2 s: a sample whose `screen` is not CONTENT,
once content was first shown, counts its interval as blank. A restart's own boot (the page or
process gone) is reported in the notes, not as blank: no player can draw while it is not running.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from api.app import create_app
from conformance.adapter import PlayerAdapter, PlayerState
from conformance.proxy import Exchange, Fault, FaultKind, FaultProxy
from signage.db.models import DeviceEvent
from tests.support.content import IF_MATCH, ready_asset, set_items
from tests.support.live import serve
from tests.webapp.browser.live import Platform

SAMPLE_SECONDS = 0.2
CADENCE_SECONDS = 10  # the platform's nextCheckSeconds in these runs
ITEM_SECONDS = 5
COMMAND_TYPES: tuple[tuple[str, dict[str, object]], ...] = (
    ("REQUEST_MANIFEST_REFRESH", {}),
    ("RESTART_PLAYBACK_LOOP", {}),
    ("SET_LOG_LEVEL", {"level": "INFO"}),
    ("ENABLE_DIAGNOSTICS", {"durationMinutes": 1}),
    ("CLEAR_CACHE_UNUSED", {}),
    ("CLEAR_CACHE_ALL", {}),
    ("REBOOT_APP", {}),
)


class Failed(AssertionError):  # noqa: N818 - reads as `raise Failed(...)`
    """A scenario saw the player break the contract."""


@dataclass
class Kit:
    """What the scenarios share: the platform, the proxy, the player and the content."""

    platform: Platform
    proxy: FaultProxy
    player: PlayerAdapter
    manager: dict[str, str]
    playlist_url: str
    group_id: str
    assets: list[uuid.UUID]
    device_id: str | None = None
    content_seen: bool = False
    blank_seconds: float = 0.0
    _seed: int = 100
    published: list[uuid.UUID] = field(default_factory=list)

    @property
    def venue(self) -> str:
        return f"/v1/venues/{self.platform.demo.fortescue_id}"

    # ---- watching the player -------------------------------------------------------------

    def sample(self, blank_counts: bool = True) -> PlayerState:
        state = self.player.state()
        if state.showing_content:
            self.content_seen = True
        elif self.content_seen and blank_counts:
            self.blank_seconds += SAMPLE_SECONDS
        return state

    def wait(
        self,
        what: str,
        until: Callable[[PlayerState], bool],
        timeout: float,
        blank_counts: bool = True,
    ) -> PlayerState:
        deadline = time.monotonic() + timeout
        while True:
            state = self.sample(blank_counts)
            if until(state):
                return state
            if time.monotonic() > deadline:
                raise Failed(
                    f"{what} not within {timeout:.0f} s (state {state.state}/{state.screen})"
                )
            time.sleep(SAMPLE_SECONDS)

    def watch(self, seconds: float, blank_counts: bool = True) -> PlayerState:
        """Sample for `seconds` whatever happens; the last state."""
        deadline = time.monotonic() + seconds
        state = self.sample(blank_counts)
        while time.monotonic() < deadline:
            time.sleep(SAMPLE_SECONDS)
            state = self.sample(blank_counts)
        return state

    # ---- acting as a manager -------------------------------------------------------------

    def fresh_asset(self) -> uuid.UUID:
        self._seed += 1
        platform = self.platform
        return ready_asset(
            platform.app, platform.demo.tenant_id, platform.demo.fortescue_id, seed=self._seed
        ).asset_id

    def publish(self, asset_ids: list[uuid.UUID]) -> None:
        api = self.platform.api
        etag = api.get(self.playlist_url, headers=self.manager).headers["ETag"]
        etag = set_items(
            api, self.manager, self.playlist_url, etag, asset_ids, seconds=ITEM_SECONDS
        )
        published = api.post(
            f"{self.playlist_url}/publish", headers={**self.manager, IF_MATCH: etag}
        )
        if published.status_code != 200:
            raise Failed(f"publish refused: {published.text}")
        self.published = asset_ids

    def stored_events(
        self, event_ids: list[str] | None = None, event_type: str | None = None
    ) -> int:
        with self.platform.database.sessions() as session:
            query = (
                select(func.count())
                .select_from(DeviceEvent)
                .where(DeviceEvent.device_id == uuid.UUID(self.device_id or ""))
            )
            if event_ids is not None:
                query = query.where(
                    DeviceEvent.client_event_id.in_([uuid.UUID(e) for e in event_ids])
                )
            if event_type is not None:
                query = query.where(DeviceEvent.event_type == event_type)
            return int(session.scalar(query) or 0)


def showing(asset_ids: list[uuid.UUID]) -> Callable[[PlayerState], bool]:
    wanted = {str(a) for a in asset_ids}
    return lambda s: s.showing_content and s.current_asset_id in wanted


def playing(state: PlayerState) -> bool:
    return state.showing_content


# ---- the scenarios ---------------------------------------------------------------------------


def pairs_by_code(kit: Kit) -> str:
    state = kit.wait("a pairing code on screen", lambda s: bool(s.pairing_code), 45)
    claimed = kit.platform.api.post(
        f"{kit.venue}/devices/pairing/claim",
        json={
            "pairingCode": state.pairing_code,
            "name": f"Conformance {kit.player.name}",
            "groupId": kit.group_id,
        },
        headers=kit.manager,
    )
    if claimed.status_code != 201:
        raise Failed(f"claim refused: {claimed.text}")
    kit.device_id = claimed.json()["deviceId"]
    started = time.monotonic()
    kit.wait("content after pairing", showing(kit.published), 60)
    return f"code {state.pairing_code}; content {time.monotonic() - started:.1f} s after the claim"


def plays_what_is_published(kit: Kit) -> str:
    new = [kit.assets[2]]
    published_at = time.monotonic()
    kit.publish(new)
    # One nextCheckSeconds to see it, then the item on screen may finish (§28.5 boundary).
    kit.wait("the published item", showing(new), CADENCE_SECONDS + ITEM_SECONDS + 5)
    return f"on screen {time.monotonic() - published_at:.1f} s after the publish"


def answers_304_without_redownload(kit: Kit) -> str:
    since = time.monotonic()
    kit.watch(CADENCE_SECONDS * 2.5)
    manifests = kit.proxy.exchanges("/v1/player/manifest", since)
    media = kit.proxy.exchanges("/media/", since)
    if len(manifests) < 2:
        raise Failed(f"only {len(manifests)} manifest polls in {CADENCE_SECONDS * 2.5:.0f} s")
    if any(e.status != 304 for e in manifests) or not all(
        "if-none-match" in e.request_headers for e in manifests
    ):
        raise Failed(f"statuses {[e.status for e in manifests]}: not all conditional 304s")
    if media:
        raise Failed(f"{len(media)} media downloads while nothing changed")
    held = _held_frame_note(kit.sample())
    return f"{len(manifests)} polls, all 304, no download{held}"


def _held_frame_note(state: PlayerState) -> str:
    """A player that reports its transitions (the web player's `gapsMs`: from one item's end
    to the next one's first frame, the previous frame held meanwhile) gets them in the notes."""
    gaps = sorted(state.raw.get("gapsMs") or [])
    if not gaps:
        return ""
    median = gaps[len(gaps) // 2]
    return f"; item changes held the last frame {median:.0f} ms (median of {len(gaps)})"


def honours_retry_after(kit: Kit) -> str:
    retry_after = 25
    fault = Fault(
        FaultKind.STATUS, "/v1/player/manifest", status=429, retry_after=retry_after, times=1
    )
    since = time.monotonic()
    kit.proxy.add(fault)
    kit.wait(
        "a 429 answered",
        lambda _: bool(kit.proxy.exchanges("/v1/player/manifest", since)),
        CADENCE_SECONDS + 5,
    )
    refused_at = kit.proxy.exchanges("/v1/player/manifest", since)[0].at
    kit.wait(
        "the next poll",
        lambda _: len(kit.proxy.exchanges("/v1/player/manifest", since)) >= 2,
        retry_after + 30,
    )
    waited = kit.proxy.exchanges("/v1/player/manifest", since)[1].at - refused_at
    if waited < retry_after - 0.5:
        raise Failed(f"polled again after {waited:.1f} s, Retry-After was {retry_after}")
    # 503 without Retry-After: backoff, and the screen goes on.
    since = time.monotonic()
    kit.proxy.add(Fault(FaultKind.STATUS, "/v1/player/manifest", status=503, times=2))
    kit.wait(
        "two 503s",
        lambda _: len(kit.proxy.exchanges("/v1/player/manifest", since)) >= 3,
        CADENCE_SECONDS * 2 + 20,
    )
    return f"next poll {waited:.1f} s after a 429 with Retry-After {retry_after}; 503s backed off"


def survives_drops_delays_and_skew(kit: Kit) -> str:
    etag = kit.sample().manifest_etag
    kit.proxy.add(Fault(FaultKind.DROP, "/v1/player/manifest", times=2))
    kit.proxy.add(Fault(FaultKind.DELAY, "/v1/player/heartbeat", seconds=8, times=2))
    kit.proxy.add(Fault(FaultKind.SKEW, "/", seconds=3 * 3600))
    state = kit.watch(CADENCE_SECONDS * 3)
    kit.proxy.clear()
    if not state.showing_content or state.manifest_etag != etag:
        raise Failed(f"after drops, delays and a 3 h clock skew: {state.state}/{state.screen}")
    return "dropped polls, delayed heartbeats, Date 3 h ahead: kept playing"


def _keeps_old_until_cleared(kit: Kit, fault: Fault, what: str) -> str:
    old = kit.sample().manifest_etag
    new = [kit.fresh_asset()]
    kit.proxy.add(fault)
    kit.publish(new)
    state = kit.watch(CADENCE_SECONDS * 3)
    if state.manifest_etag != old or not state.showing_content:
        kit.proxy.clear()
        raise Failed(f"{what}: manifest {state.manifest_etag} (was {old}), screen {state.screen}")
    kit.proxy.clear()
    kit.wait(
        "the new item once the fault is gone", showing(new), CADENCE_SECONDS * 4 + ITEM_SECONDS + 10
    )
    return f"{what}: old manifest kept for {CADENCE_SECONDS * 3} s, new one applied after"


def rejects_corrupted_file(kit: Kit) -> str:
    return _keeps_old_until_cleared(
        kit, Fault(FaultKind.CORRUPT, "/media/"), "corrupted media bodies"
    )


def rejects_wrong_checksum(kit: Kit) -> str:
    fault = Fault(FaultKind.WRONG_CHECKSUM, "/v1/player/manifest")
    return _keeps_old_until_cleared(kit, fault, "wrong checksums in the manifest")


def rejects_invalid_manifest(kit: Kit) -> str:
    before = kit.stored_events(event_type="MANIFEST_REJECTED")
    notes = _keeps_old_until_cleared(
        kit,
        Fault(FaultKind.INVALID_MANIFEST, "/v1/player/manifest"),
        "a manifest without nextCheckSeconds",
    )
    deadline = time.monotonic() + 30
    while kit.stored_events(event_type="MANIFEST_REJECTED") <= before:
        if time.monotonic() > deadline:
            raise Failed("no MANIFEST_REJECTED reached the platform")
        kit.watch(1)
    return notes + "; MANIFEST_REJECTED reported"


def resumes_interrupted_download(kit: Kit) -> str:
    new = [kit.fresh_asset()]
    since = time.monotonic()
    kit.proxy.add(Fault(FaultKind.TRUNCATE, "/media/", times=1))
    kit.publish(new)
    kit.wait(
        "the item whose download was cut", showing(new), CADENCE_SECONDS * 3 + ITEM_SECONDS + 10
    )
    downloads = kit.proxy.exchanges("/media/", since)
    resumed = [
        e
        for e in downloads[1:]
        if e.request_headers.get("range", "").startswith("bytes=") and e.status == 206
    ]
    if not resumed:
        raise Failed(
            f"no Range request after the cut: {[(e.status, e.request_headers) for e in downloads]}"
        )
    return f"resumed with {resumed[0].request_headers['range']}"


def sends_each_event_once(kit: Kit) -> str:
    since = time.monotonic()
    kit.proxy.add(Fault(FaultKind.DROP_RESPONSE, "/v1/player/events", method="POST", times=1))
    command = kit.platform.api.post(
        f"{kit.venue}/devices/{kit.device_id}/commands",
        json={"type": "REQUEST_MANIFEST_REFRESH"},
        headers=kit.manager,
    )  # its COMMAND_EXECUTED event is one to send
    if command.status_code != 201:
        raise Failed(command.text)

    def posts() -> list[Exchange]:
        return kit.proxy.exchanges("/v1/player/events", since, "POST")

    kit.wait(
        "a dropped batch and its retry",
        lambda _: len(posts()) >= 2 and posts()[-1].status == 204,
        90,
    )
    first, *later = posts()
    dropped = [e["eventId"] for e in json.loads(first.request_body)["events"]]
    resent = {e["eventId"] for x in later for e in json.loads(x.request_body)["events"]}
    if not set(dropped) <= resent:
        raise Failed("the retried batch did not carry the same eventIds")
    stored = kit.stored_events(dropped)
    if stored != len(dropped):
        raise Failed(f"{stored} stored for {len(dropped)} events")
    return f"{len(dropped)} events sent twice, stored once each"


def answers_every_command(kit: Kit) -> str:
    device = f"{kit.venue}/devices/{kit.device_id}"
    ids = {}
    for command_type, parameters in COMMAND_TYPES:
        body = {"type": command_type, **({"parameters": parameters} if parameters else {})}
        created = kit.platform.api.post(f"{device}/commands", json=body, headers=kit.manager)
        if created.status_code != 201:
            raise Failed(f"{command_type}: {created.text}")
        ids[created.json()["commandId"]] = command_type

    def statuses() -> dict[str, str]:
        history = kit.platform.api.get(f"{device}/commands", headers=kit.manager).json()["items"]
        return {ids[c["commandId"]]: c["status"] for c in history if c["commandId"] in ids}

    # A restart by request (REBOOT_APP) is not a blank to hold against the player.
    kit.wait(
        "every command answered",
        lambda _: (
            all(s in ("SUCCEEDED", "FAILED") for s in statuses().values())
            and len(statuses()) == len(ids)
        ),
        120,
        blank_counts=False,
    )
    kit.wait("content after REBOOT_APP and CLEAR_CACHE_ALL", playing, 60, blank_counts=False)
    failed = sorted(t for t, s in statuses().items() if s == "FAILED")
    return f"{len(ids)} answered" + (f"; FAILED: {', '.join(failed)}" if failed else "")


def plays_offline_across_restart(kit: Kit, offline_seconds: float = 180) -> str:
    kit.proxy.offline = True
    kit.watch(3)
    started = time.monotonic()
    kit.player.restart()
    kit.wait("content again after the restart, offline", playing, 60, blank_counts=False)
    boot = time.monotonic() - started
    kit.watch(offline_seconds)
    kit.proxy.offline = False
    since = time.monotonic()
    kit.wait(
        "a sync once the network is back",
        lambda _: bool(kit.proxy.exchanges("/v1/player/manifest", since)),
        330,
    )
    return (
        f"offline {offline_seconds:.0f} s, restarted (content {boot:.1f} s after the restart), "
        "synced after"
    )


def survives_platform_restart(kit: Kit, down_seconds: float = 20) -> str:
    """The platform goes away and comes back as a new process would: a fresh app (empty caches,
    in-memory limits and last-good manifests) on the same database. The screen plays on through
    the outage, and after it sees the next publish and is heard (a heartbeat answered)."""
    platform = kit.platform
    original = kit.proxy.upstream
    kit.proxy.offline = True  # the platform is down: connections refused
    kit.watch(down_seconds)
    with serve(create_app(platform.settings, database=platform.database)) as restarted:
        kit.proxy.retarget(restarted)
        kit.proxy.offline = False
        try:
            back = time.monotonic()
            kit.wait(
                "a heartbeat answered by the restarted platform",
                lambda _: any(
                    e.status in (200, 204)
                    for e in kit.proxy.exchanges("/v1/player/heartbeat", back)
                ),
                CADENCE_SECONDS * 7,  # the player's backoff after the outage, then a heartbeat
            )
            new = [kit.fresh_asset()]
            published_at = time.monotonic()
            kit.publish(new)
            kit.wait("the publish after the restart", showing(new), CADENCE_SECONDS * 7)
        finally:
            kit.proxy.retarget(original)
    return (
        f"down {down_seconds:.0f} s without blank; after it, heard and showing a new publish "
        f"{time.monotonic() - published_at:.1f} s after it"
    )


def recovers_from_401(kit: Kit) -> str:
    removed = kit.platform.api.delete(f"{kit.venue}/devices/{kit.device_id}", headers=kit.manager)
    if removed.status_code != 204:
        raise Failed(removed.text)
    state = kit.wait(
        "the pairing screen after the device was removed",
        lambda s: s.screen == "PAIRING" and bool(s.pairing_code),
        CADENCE_SECONDS * 3 + 20,
        blank_counts=False,
    )
    return f"pairing again with code {state.pairing_code}"


Scenario = Callable[[Kit], str]
ALL: tuple[Scenario, ...] = (
    pairs_by_code,
    plays_what_is_published,
    answers_304_without_redownload,
    honours_retry_after,
    survives_drops_delays_and_skew,
    rejects_corrupted_file,
    rejects_wrong_checksum,
    rejects_invalid_manifest,
    resumes_interrupted_download,
    sends_each_event_once,
    answers_every_command,
    plays_offline_across_restart,
    survives_platform_restart,
    recovers_from_401,
)
# The subset `make test` runs (about two minutes against the web player).
FAST: tuple[Scenario, ...] = (
    pairs_by_code,
    answers_304_without_redownload,
    resumes_interrupted_download,
    recovers_from_401,
)
