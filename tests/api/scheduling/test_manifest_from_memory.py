"""GET /v1/player/manifest answered from memory (issue 18 item 2, api.player_fast_path): a poll
whose every check is cached runs no SQL and no FastAPI dependency, and answers exactly as the
route does, refusals included; the rules hold (revocation at the next request, §27.1 limits,
the request id, a publish seen at the next poll)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from signage.db.models import Tenant
from tests.support.content import published_playlist, ready_asset
from tests.support.devices import PairedDevice, pair
from tests.support.world import VenueWorld

MANIFEST = "/v1/player/manifest"


@pytest.fixture
def screen(world: VenueWorld) -> PairedDevice:
    return pair(world.client, world.as_role("manager"), world.demo.fortescue_id)


def test_a_repeated_poll_is_answered_from_memory_as_the_route_answers(
    client: TestClient, screen: PairedDevice, statements: list[str]
) -> None:
    first = client.get(MANIFEST, headers=screen.headers)  # the route: fills the caches
    assert first.status_code == 200
    statements.clear()

    again = client.get(MANIFEST, headers={**screen.headers, "If-None-Match": first.headers["ETag"]})
    assert statements == []  # no session, nothing read: memory only
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "no-cache"
    assert again.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert again.headers["X-RateLimit-Remaining"] == "0"  # §27.1: 2 a minute, both counted
    assert again.headers["X-Content-Type-Options"] == "nosniff"


def test_a_full_answer_from_memory_is_the_routes_document_and_poll_interval(
    world: VenueWorld, screen: PairedDevice, statements: list[str]
) -> None:
    """The document is encoded once per ETag; the device's nextCheckSeconds is added to it."""
    client, demo = world.client, world.demo
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    playlists = f"/v1/venues/{demo.fortescue_id}/playlists"
    published_playlist(client, world.as_role("manager"), playlists, [asset.asset_id])
    first = client.get(MANIFEST, headers=screen.headers)  # the route
    statements.clear()

    again = client.get(MANIFEST, headers=screen.headers)
    assert statements == []
    assert again.status_code == 200
    assert again.headers["Content-Type"] == "application/json"
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.json() == first.json()  # the same signed URLs, the same poll interval
    assert again.json()["playlist"]["items"][0]["url"]
    assert int(again.headers["Content-Length"]) == len(again.content)


def test_the_third_poll_in_a_minute_is_refused_from_memory_as_problem_json(
    client: TestClient, screen: PairedDevice, statements: list[str]
) -> None:
    client.get(MANIFEST, headers=screen.headers)
    client.get(MANIFEST, headers=screen.headers)
    statements.clear()

    refused = client.get(MANIFEST, headers=screen.headers)
    assert statements == []
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    body = refused.json()
    assert body["code"] == "RATE_LIMITED"
    assert body["requestId"] == refused.headers["X-Request-Id"]


def test_a_removed_device_is_refused_at_its_next_poll(
    world: VenueWorld, screen: PairedDevice
) -> None:
    client = world.client
    assert client.get(MANIFEST, headers=screen.headers).status_code == 200  # cached
    removed = client.delete(
        f"/v1/venues/{world.demo.fortescue_id}/devices/{screen.device_id}",
        headers=world.as_role("manager"),
    )
    assert removed.status_code == 204
    refused = client.get(MANIFEST, headers=screen.headers)
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"


def test_a_publish_is_seen_at_the_next_poll(world: VenueWorld, screen: PairedDevice) -> None:
    client, demo = world.client, world.demo
    before = client.get(MANIFEST, headers=screen.headers)
    assert before.json()["playlist"] is None
    client.get(MANIFEST, headers=screen.headers)  # from memory now
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    playlists = f"/v1/venues/{demo.fortescue_id}/playlists"
    published_playlist(
        client, world.as_role("manager"), playlists, [asset.asset_id]
    )  # §31.5 fallback
    world.clock.advance(seconds=60)  # the player's next poll

    conditional = {**screen.headers, "If-None-Match": before.headers["ETag"]}
    after = client.get(MANIFEST, headers=conditional)
    assert after.status_code == 200
    assert after.json()["playlist"] is not None


def test_a_publish_within_the_recheck_window_is_seen_once_the_background_read_confirms_it(
    world: VenueWorld, screen: PairedDevice
) -> None:
    """Past EPOCH_RECHECK the poll is still answered from memory, and one read of the venue's
    epoch goes to the thread pool; the polls after it see the publish."""
    client, demo, clock = world.client, world.demo, world.clock
    with world.database.unit_of_work() as session:  # many polls in a second: lift §27.1's 2/min
        tenant = session.get_one(Tenant, demo.tenant_id)
        tenant.rate_limit_overrides = {"manifestPerDevice": {"requests": 1000, "windowSeconds": 60}}
    clock.advance(minutes=2)  # past the cached overrides
    before = client.get(MANIFEST, headers=screen.headers).headers["ETag"]
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    playlists = f"/v1/venues/{demo.fortescue_id}/playlists"
    published_playlist(client, world.as_role("manager"), playlists, [asset.asset_id])
    clock.advance(seconds=1.5)  # past EPOCH_RECHECK, within SERVED_WHILE_CONFIRMING

    seen = {client.get(MANIFEST, headers=screen.headers).headers["ETag"] for _ in range(20)}
    deadline = time.monotonic() + 30
    while (after := client.get(MANIFEST, headers=screen.headers).headers["ETag"]) == before:
        assert time.monotonic() < deadline, "the publish was never seen"
        time.sleep(0.05)
    assert seen <= {before, after}


def test_a_moved_screen_is_offered_its_new_token_at_every_poll_until_it_uses_it(
    world: VenueWorld,
) -> None:
    """A moved device's cached check names its new venue, its token the old one: a renewal is
    due (issue 15 item 6), which only the FastAPI route hands over."""
    client, demo = world.client, world.demo
    with world.database.unit_of_work() as session:  # several polls in a minute: lift §27.1's 2/min
        tenant = session.get_one(Tenant, demo.tenant_id)
        tenant.rate_limit_overrides = {"manifestPerDevice": {"requests": 1000, "windowSeconds": 60}}
    admin = world.as_role("admin")
    device = pair(client, admin, demo.fortescue_id)
    world.clock.advance(minutes=2)  # past the cached overrides
    moved = client.post(
        f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}/move",
        json={"toVenueId": str(demo.badger_id)},
        headers=admin,
    )
    assert moved.status_code == 200, moved.text

    polls = [client.get(MANIFEST, headers=device.headers) for _ in range(3)]
    assert [p.status_code for p in polls] == [200, 200, 200]
    assert all("X-Device-Token-Renewal" in p.headers for p in polls)
