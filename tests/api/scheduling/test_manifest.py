"""GET /v1/player/manifest (§27.8.1, §31.8, §31.9): a published schedule drives what a screen
plays; ETag/If-None-Match; the cache follows the venue epoch; failures serve the last good."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from signage.manifest import service as manifest_service
from signage.manifest.document import grid_valid_to
from tests.support.clock import FakeClock, clear_of_validity_boundary
from tests.support.content import (
    IF_MATCH,
    add_slot,
    publish_schedule,
    published_playlist,
    ready_asset,
    set_items,
)
from tests.support.demo import Demo
from tests.support.devices import PairedDevice, pair
from tests.support.world import VenueWorld

# Monday 15 June 2026, 12:00 UTC = 13:00 in London (BST): the clock fixture's start.
LUNCH = {"startMinutes": 12 * 60, "endMinutes": 14 * 60}


def venue_playlists(demo: Demo) -> str:
    return f"/v1/venues/{demo.fortescue_id}/playlists"


def fetch(
    client: TestClient, device: PairedDevice, clock: FakeClock, etag: str | None = None
) -> httpx.Response:
    """One poll, 31 s after the previous one so §27.1's 2/min limit is honoured."""
    clock.advance(seconds=31)
    headers = dict(device.headers)
    if etag:
        headers["If-None-Match"] = etag
    return client.get("/v1/player/manifest", headers=headers)


@pytest.fixture
def screen(world: VenueWorld) -> PairedDevice:
    """A screen at Fortescue, with ten minutes of polls before the venue's validity boundary."""
    demo = world.demo
    clear_of_validity_boundary(world.clock, demo.fortescue_id)
    return pair(world.client, world.as_role("manager"), demo.fortescue_id)


def test_a_screen_with_nothing_scheduled_gets_settings_and_a_null_playlist(
    client: TestClient, screen: PairedDevice, clock: FakeClock
) -> None:
    response = fetch(client, screen, clock)
    assert response.status_code == 200
    body = response.json()
    assert body["playlist"] is None
    assert body["settings"]["orientation"] == "LANDSCAPE"
    assert response.headers["ETag"] == f'"{body["manifestEtag"]}"'
    valid_to = datetime.fromisoformat(body["validToUtc"])
    assert clock.now < valid_to <= clock.now + timedelta(hours=6)
    assert 5 <= body["nextCheckSeconds"] <= 66


def test_a_published_schedule_drives_the_manifest_200_304_then_200_after_a_publish(
    world: VenueWorld, screen: PairedDevice
) -> None:
    app, client, demo, clock = world.app, world.client, world.demo, world.clock
    headers = world.as_role("manager")
    first = ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=1)
    second = ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=2)
    playlist_id = published_playlist(client, headers, venue_playlists(demo), [first.asset_id])
    add_slot(
        client,
        headers,
        demo.fortescue_id,
        targetType="DEVICE",
        targetId=screen.device_id,
        playlistId=playlist_id,
        daysOfWeekMask=127,
        **LUNCH,
    )
    publish_schedule(client, headers, demo.fortescue_id)

    first_poll = fetch(client, screen, clock)
    assert first_poll.status_code == 200
    body = first_poll.json()
    assert body["playlist"]["playlistId"] == playlist_id
    assert body["playlist"]["publishedVersion"] == 1
    [item] = body["playlist"]["items"]
    assert (item["assetId"], item["type"], item["durationSeconds"]) == (
        str(first.asset_id),
        "IMAGE",
        10,
    )
    assert (item["checksumSha256"], item["fileSizeBytes"]) == (first.checksum, len(first.data))
    # The slot ends at 14:00 London = 13:00 UTC: valid until then, or until the venue's
    # 6-hourly validity boundary should that come first.
    slot_end = datetime(2026, 6, 15, 13, 0, tzinfo=UTC)
    expected = grid_valid_to(demo.fortescue_id, clock.now, slot_end)
    assert datetime.fromisoformat(body["validToUtc"]) == expected
    downloaded = client.get(item["url"])
    assert downloaded.status_code == 200
    assert hashlib.sha256(downloaded.content).hexdigest() == first.checksum

    etag = first_poll.headers["ETag"]
    not_modified = fetch(client, screen, clock, etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["ETag"] == etag

    url = f"{venue_playlists(demo)}/{playlist_id}"
    draft_etag = client.get(url, headers=headers).headers["ETag"]
    draft_etag = set_items(client, headers, url, draft_etag, [second.asset_id])
    assert client.post(f"{url}/publish", headers={**headers, IF_MATCH: draft_etag}).is_success
    changed = fetch(client, screen, clock, etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.json()["playlist"]["publishedVersion"] == 2
    assert [i["assetId"] for i in changed.json()["playlist"]["items"]] == [str(second.asset_id)]


def test_the_etag_ignores_url_signatures_and_follows_content_only(
    world: VenueWorld, screen: PairedDevice
) -> None:
    app, client, demo, clock = world.app, world.client, world.demo, world.clock
    asset = ready_asset(app, demo.tenant_id, demo.fortescue_id)
    published_playlist(client, world.as_role("manager"), venue_playlists(demo), [asset.asset_id])
    first = fetch(client, screen, clock)  # the venue's last published playlist (§31.5)
    manifests = app.state.context.manifests
    manifests.store.__init__(clock)  # forget the rendered documents, so URLs are signed again
    manifests.url_grace += timedelta(minutes=30)  # ... with another expiry
    # Time moves on, but not past validToUtc (content: it would rightly change the ETag);
    # the screen fixture keeps the venue's validity boundary ten minutes away.
    clock.advance(seconds=300)
    second = fetch(client, screen, clock)
    assert (
        first.json()["playlist"]["items"][0]["url"] != second.json()["playlist"]["items"][0]["url"]
    )
    assert first.headers["ETag"] == second.headers["ETag"]


def test_fallback_chain_venue_fallback_then_last_published(
    world: VenueWorld, screen: PairedDevice
) -> None:
    client, demo, clock = world.client, world.demo, world.clock
    admin = world.as_role("admin")
    assets = [ready_asset(world.app, demo.tenant_id, demo.fortescue_id, seed=s) for s in (1, 2)]
    fallback = published_playlist(client, admin, venue_playlists(demo), [assets[0].asset_id])
    clock.advance(seconds=1)
    latest = published_playlist(client, admin, venue_playlists(demo), [assets[1].asset_id])
    assert fetch(client, screen, clock).json()["playlist"]["playlistId"] == latest

    venue_url = f"/v1/tenants/{demo.tenant_id}/venues/{demo.fortescue_id}"
    venue = client.get(venue_url, headers=admin).json()
    fields = {k: venue[k] for k in ("name", "timezone")}
    updated = client.put(venue_url, json={**fields, "fallbackPlaylistId": fallback}, headers=admin)
    assert updated.status_code == 200, updated.text
    assert fetch(client, screen, clock).json()["playlist"]["playlistId"] == fallback


def test_an_override_beats_the_schedule_at_the_next_poll_and_cancel_restores_it(
    world: VenueWorld, screen: PairedDevice
) -> None:
    client, demo, clock = world.client, world.demo, world.clock
    headers = world.as_role("manager")
    assets = [ready_asset(world.app, demo.tenant_id, demo.fortescue_id, seed=s) for s in (1, 2)]
    regular = published_playlist(client, headers, venue_playlists(demo), [assets[0].asset_id])
    urgent = published_playlist(client, headers, venue_playlists(demo), [assets[1].asset_id])
    add_slot(
        client,
        headers,
        demo.fortescue_id,
        targetType="DEVICE",
        targetId=screen.device_id,
        playlistId=regular,
        daysOfWeekMask=127,
        startMinutes=0,
        endMinutes=0,
    )
    publish_schedule(client, headers, demo.fortescue_id)
    assert fetch(client, screen, clock).json()["playlist"]["playlistId"] == regular

    ends = (clock.now + timedelta(hours=1)).isoformat()
    started = client.post(
        f"/v1/venues/{demo.fortescue_id}/overrides",
        json={"playlistId": urgent, "endsAtUtc": ends, "name": "Match day"},
        headers=headers,
    )
    assert started.status_code == 201, started.text
    assert started.json()["active"] is True
    during = fetch(client, screen, clock).json()
    assert during["playlist"]["playlistId"] == urgent
    # Valid until the takeover ends, or sooner at the venue's 6-hourly validity boundary.
    assert clock.now < datetime.fromisoformat(during["validToUtc"]) <= datetime.fromisoformat(ends)

    override_id = started.json()["overrideId"]
    cancel = client.post(
        f"/v1/venues/{demo.fortescue_id}/overrides/{override_id}/cancel", headers=headers
    )
    assert cancel.status_code == 200
    assert fetch(client, screen, clock).json()["playlist"]["playlistId"] == regular
    history = client.get(f"/v1/venues/{demo.fortescue_id}/publishes", headers=headers).json()
    types = [e["type"] for e in history["items"]]
    assert types[:2] == ["OVERRIDE_CANCELLED", "OVERRIDE_STARTED"]


def test_the_manifest_is_limited_to_two_polls_a_minute_per_device(
    client: TestClient, screen: PairedDevice, clock: FakeClock
) -> None:
    statuses = [client.get("/v1/player/manifest", headers=screen.headers) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[2].headers["Retry-After"]) > 0


def test_when_resolution_fails_the_last_good_manifest_is_served(
    world: VenueWorld, screen: PairedDevice, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, demo, clock = world.client, world.demo, world.clock
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    published_playlist(client, world.as_role("manager"), venue_playlists(demo), [asset.asset_id])
    good = fetch(client, screen, clock)
    assert good.status_code == 200

    def database_down(*args: object, **kwargs: object) -> int:
        raise OperationalError("SELECT manifest_epoch", {}, Exception("connection refused"))

    monkeypatch.setattr(manifest_service, "current_epoch", database_down)
    degraded = fetch(client, screen, clock)
    assert degraded.status_code == 200
    assert degraded.headers["ETag"] == good.headers["ETag"]
    assert degraded.json()["playlist"] == good.json()["playlist"] | {
        "items": degraded.json()["playlist"]["items"]
    }
    assert degraded.json()["nextCheckSeconds"] == manifest_service.DEGRADED_POLL_SECONDS
    assert fetch(client, screen, clock, good.headers["ETag"]).status_code == 304


def test_with_no_last_good_manifest_a_failure_is_a_503_the_player_rides_out(
    client: TestClient,
    screen: PairedDevice,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def database_down(*args: object, **kwargs: object) -> int:
        raise OperationalError("SELECT manifest_epoch", {}, Exception("connection refused"))

    monkeypatch.setattr(manifest_service, "current_epoch", database_down)
    response = fetch(client, screen, clock)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


def test_a_user_token_is_refused_and_a_removed_device_must_pair_again(
    world: VenueWorld, screen: PairedDevice
) -> None:
    client, as_role = world.client, world.as_role
    assert client.get("/v1/player/manifest", headers=as_role("admin")).status_code == 401
    removed = client.delete(
        f"/v1/venues/{world.demo.fortescue_id}/devices/{screen.device_id}",
        headers=as_role("manager"),
    )
    assert removed.status_code == 204
    assert fetch(client, screen, world.clock).status_code == 401


def test_the_redis_store_shares_rendered_documents_and_last_good_manifests(
    redis_url: str, world: VenueWorld, screen: PairedDevice
) -> None:
    app, client, demo = world.app, world.client, world.demo
    import redis

    from signage.manifest.cache import RedisManifestStore

    store = RedisManifestStore(redis.Redis.from_url(redis_url), prefix=f"t:{uuid.uuid4()}")
    app.state.context.manifests.store = store
    asset = ready_asset(app, demo.tenant_id, demo.fortescue_id)
    published_playlist(client, world.as_role("manager"), venue_playlists(demo), [asset.asset_id])
    body = fetch(client, screen, world.clock).json()
    assert store.document(body["manifestEtag"]) is not None
    last_good = store.last_good(uuid.UUID(screen.device_id))
    assert last_good is not None
    assert last_good.etag == body["manifestEtag"]
    assert last_good.valid_to_utc == datetime.fromisoformat(body["validToUtc"]).astimezone(UTC)


def test_under_load_the_epoch_is_read_at_most_once_a_second_per_venue(
    world: VenueWorld, screen: PairedDevice
) -> None:
    app, client, demo, clock = world.app, world.client, world.demo, world.clock
    from tests.support.ratelimit import UnlimitedRateLimiter

    app.state.context.rate_limiter = UnlimitedRateLimiter()
    headers = world.as_role("manager")
    first, second = (ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=s) for s in (1, 2))
    published_playlist(client, headers, venue_playlists(demo), [first.asset_id], "One")
    before = client.get("/v1/player/manifest", headers=screen.headers).json()
    clock.advance(seconds=0.3)  # published later than "One", so it is the last published
    published_playlist(client, headers, venue_playlists(demo), [second.asset_id], "Two")
    clock.advance(seconds=0.3)
    still = client.get("/v1/player/manifest", headers=screen.headers).json()
    assert still["manifestEtag"] == before["manifestEtag"]  # epoch trusted for 1 s
    clock.advance(seconds=0.5)
    after = client.get("/v1/player/manifest", headers=screen.headers).json()
    assert after["playlist"]["items"][0]["assetId"] == str(second.asset_id)


def test_the_manifest_names_the_screen_and_a_rename_reaches_it_at_the_next_poll(
    world: VenueWorld, screen: PairedDevice
) -> None:
    """The `screen` extension: the player's own slides say which screen this is (issue #22)."""
    client, clock, as_role, demo = world.client, world.clock, world.as_role, world.demo
    first = fetch(client, screen, clock)
    assert first.json()["screen"] == {"deviceName": "Bar screen", "venueName": "Fortescue Arms"}
    etag = first.json()["manifestEtag"]

    manager = as_role("manager")
    device_url = f"/v1/venues/{demo.fortescue_id}/devices/{screen.device_id}"
    version = client.get(device_url, headers=manager).headers["etag"]
    renamed = client.patch(
        device_url, json={"name": "Garden screen"}, headers={**manager, "If-Match": version}
    )
    assert renamed.status_code == 200, renamed.text
    after_device = fetch(client, screen, clock, etag)
    assert after_device.status_code == 200
    assert after_device.json()["screen"]["deviceName"] == "Garden screen"

    venue_url = f"/v1/tenants/{demo.tenant_id}/venues/{demo.fortescue_id}"
    venue = client.get(venue_url, headers=as_role("admin")).json()
    replaced = client.put(
        venue_url,
        json={
            "name": "The Fortescue",
            "timezone": venue["timezone"],
            "fallbackPlaylistId": venue["fallbackPlaylistId"],
        },
        headers=as_role("admin"),
    )
    assert replaced.status_code == 200, replaced.text
    after_venue = fetch(client, screen, clock, after_device.json()["manifestEtag"])
    assert after_venue.status_code == 200
    assert after_venue.json()["screen"] == {
        "deviceName": "Garden screen",
        "venueName": "The Fortescue",
    }


def test_the_device_cache_budget_reaches_the_screen_at_the_next_poll(
    world: VenueWorld, screen: PairedDevice
) -> None:
    """§11.1's `cacheBudgetBytes` hint in settings (issue 15 item 7)."""
    client, clock = world.client, world.clock
    first = fetch(client, screen, clock)
    assert first.json()["settings"]["cacheBudgetBytes"] == 2 * 1024**3  # the §11.1 default
    etag = first.json()["manifestEtag"]
    manager = world.as_role("manager")
    device_url = f"/v1/venues/{world.demo.fortescue_id}/devices/{screen.device_id}"
    version = client.get(device_url, headers=manager).headers["etag"]
    changed = client.patch(
        device_url,
        json={"cacheBudgetBytes": 1024**3},
        headers={**manager, "If-Match": version},
    )
    assert changed.status_code == 200, changed.text
    after = fetch(client, screen, clock, etag)
    assert after.status_code == 200
    assert after.json()["settings"]["cacheBudgetBytes"] == 1024**3
    assert after.json()["manifestEtag"] != etag
