"""Deleting playlists (§29.4.4 "playlist CRUD", issue 15 item 15): what nothing uses goes (soft,
its published snapshots stay); what a schedule, a fallback or an override uses is a 409 that
names where; another tenant's id is a 404."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from signage.db.models import PlaylistPublished
from tests.support.content import (
    add_slot,
    create_playlist,
    publish_schedule,
    published_playlist,
    ready_asset,
)
from tests.support.demo import Demo
from tests.support.devices import pair
from tests.support.world import VenueWorld


def venue_playlists(demo: Demo) -> str:
    return f"/v1/venues/{demo.fortescue_id}/playlists"


def listed(client: TestClient, headers: dict[str, str], base: str) -> list[str]:
    return [p["playlistId"] for p in client.get(base, headers=headers).json()["items"]]


def assert_in_use(answer: httpx.Response, kind: str, demo: Demo) -> None:
    assert answer.status_code == 409, answer.text
    problem = answer.json()
    assert problem["code"] == "CONFLICT"
    uses = problem["context"]["usedBy"]
    assert {"kind": kind, "venueId": str(demo.fortescue_id)}.items() <= uses[0].items()
    assert uses[0]["venueName"] in problem["detail"]


def test_a_draft_only_playlist_is_deleted_and_leaves_lists(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    editor = as_role("editor")
    playlist_id, _ = create_playlist(client, editor, venue_playlists(demo), "Old menu")
    url = f"{venue_playlists(demo)}/{playlist_id}"
    assert client.delete(url, headers=as_role("viewer")).status_code == 403
    assert client.delete(url, headers=editor).status_code == 204
    assert client.get(url, headers=editor).status_code == 404
    assert playlist_id not in listed(client, editor, venue_playlists(demo))
    assert client.delete(url, headers=editor).status_code == 404


def test_an_unused_published_playlist_goes_but_its_snapshots_stay(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = world.as_role("admin")
    asset = ready_asset(world.app, demo.tenant_id, None)
    playlist_id = published_playlist(client, admin, "/v1/library/playlists", [asset.asset_id])
    url = f"/v1/library/playlists/{playlist_id}"
    assert client.delete(url, headers=admin).status_code == 204
    assert playlist_id not in listed(client, admin, "/v1/library/playlists")
    assert playlist_id not in listed(client, admin, venue_playlists(demo))  # the venue's picker
    with world.database.sessions() as session:
        snapshots = session.scalars(
            select(PlaylistPublished).where(PlaylistPublished.playlist_id == playlist_id)
        ).all()
    assert len(snapshots) == 1


def test_a_playlist_a_published_schedule_plays_is_refused_naming_the_venue(
    world: VenueWorld,
) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    playlist_id = published_playlist(client, manager, venue_playlists(demo), [asset.asset_id])
    screen = pair(client, manager, demo.fortescue_id)
    add_slot(
        client,
        manager,
        demo.fortescue_id,
        targetType="DEVICE",
        targetId=str(screen.device_id),
        playlistId=playlist_id,
        daysOfWeekMask=127,
        startMinutes=0,
        endMinutes=0,
    )
    url = f"{venue_playlists(demo)}/{playlist_id}"
    assert_in_use(client.delete(url, headers=manager), "DRAFT_SCHEDULE", demo)
    publish_schedule(client, manager, demo.fortescue_id)
    refused = client.delete(url, headers=manager)
    assert_in_use(refused, "PUBLISHED_SCHEDULE", demo)
    assert client.get(url, headers=manager).status_code == 200


def test_a_venue_fallback_and_a_live_override_keep_their_playlist(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = world.as_role("admin")
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    fallback = published_playlist(client, admin, venue_playlists(demo), [asset.asset_id])
    venue_url = f"/v1/tenants/{demo.tenant_id}/venues/{demo.fortescue_id}"
    venue = client.get(venue_url, headers=admin).json()
    fields = {"name": venue["name"], "timezone": venue["timezone"]}
    assert client.put(
        venue_url, json={**fields, "fallbackPlaylistId": fallback}, headers=admin
    ).is_success
    assert_in_use(
        client.delete(f"{venue_playlists(demo)}/{fallback}", headers=admin), "VENUE_FALLBACK", demo
    )

    urgent = published_playlist(client, admin, venue_playlists(demo), [asset.asset_id], "Urgent")
    ends = (world.clock.now + timedelta(hours=1)).isoformat()
    started = client.post(
        f"/v1/venues/{demo.fortescue_id}/overrides",
        json={"playlistId": urgent, "endsAtUtc": ends},
        headers=admin,
    )
    assert started.status_code == 201, started.text
    url = f"{venue_playlists(demo)}/{urgent}"
    refused = client.delete(url, headers=admin)
    assert_in_use(refused, "OVERRIDE", demo)
    assert refused.json()["context"]["usedBy"][0]["overrideId"] == started.json()["overrideId"]
    override_url = f"/v1/venues/{demo.fortescue_id}/overrides/{started.json()['overrideId']}"
    assert client.post(f"{override_url}/cancel", headers=admin).status_code == 200
    assert client.delete(url, headers=admin).status_code == 204  # nothing uses it any more


def test_another_tenant_cannot_delete_or_learn_about_a_playlist(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    playlist_id, _ = create_playlist(client, as_role("admin"), "/v1/library/playlists")
    attacker = as_role("other_admin")
    for url in (
        f"/v1/library/playlists/{playlist_id}",
        f"/v1/venues/{demo.other_venue_id}/playlists/{playlist_id}",
        f"/v1/venues/{demo.fortescue_id}/playlists/{playlist_id}",
    ):
        assert client.delete(url, headers=attacker).status_code == 404, url
    assert playlist_id in listed(client, as_role("admin"), "/v1/library/playlists")
