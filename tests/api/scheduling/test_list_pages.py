"""Lists that were plain arrays follow §27.1's `{items, nextCursor}`, and the playlist list takes
§27.1's `?scope=TENANT|VENUE` (issue 15 item 16)."""

from __future__ import annotations

from datetime import timedelta

from tests.support.content import create_playlist, published_playlist, ready_asset
from tests.support.world import VenueWorld


def test_overrides_come_in_cursor_pages(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = world.as_role("admin")
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    base = f"/v1/venues/{demo.fortescue_id}/playlists"
    playlist_id = published_playlist(client, admin, base, [asset.asset_id])
    overrides = f"/v1/venues/{demo.fortescue_id}/overrides"
    started = []
    for hours in (1, 2, 3):
        starts = (world.clock.now + timedelta(hours=hours)).isoformat()
        answer = client.post(
            overrides, json={"playlistId": playlist_id, "startsAtUtc": starts}, headers=admin
        )
        assert answer.status_code == 201, answer.text
        started.append(answer.json()["overrideId"])
    first = client.get(overrides, params={"limit": 2}, headers=admin).json()
    assert [o["overrideId"] for o in first["items"]] == started[::-1][:2]  # latest start first
    rest = client.get(overrides, params={"cursor": first["nextCursor"]}, headers=admin).json()
    assert ([o["overrideId"] for o in rest["items"]], rest["nextCursor"]) == ([started[0]], None)


def test_the_playlist_list_filters_by_scope(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = world.as_role("admin")
    shared, _ = create_playlist(client, admin, "/v1/library/playlists", "Shared")
    own, _ = create_playlist(client, admin, f"/v1/venues/{demo.fortescue_id}/playlists", "Own")
    venue_list = f"/v1/venues/{demo.fortescue_id}/playlists"

    def ids(scope: str | None) -> set[str]:
        params = {"scope": scope} if scope else {}
        answer = client.get(venue_list, params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        return {p["playlistId"] for p in answer.json()["items"]}

    assert {shared, own} <= ids(None)
    assert shared in ids("TENANT")
    assert own not in ids("TENANT")
    assert own in ids("VENUE")
    assert shared not in ids("VENUE")
    bad = client.get(venue_list, params={"scope": "EVERYWHERE"}, headers=admin)
    assert bad.status_code == 422
