"""What screens show in the web app (issue 19 item 3): the heartbeat's current item names only
what the venue may see, the playlist preview stays inside the tenant, and pages that show
stored pictures allow the storage origin and nothing more (§6, §25.6, §32.3)."""

from __future__ import annotations

from tests.support.content import ready_asset
from tests.support.devices import heartbeat_body, pair
from tests.support.world import VenueWorld
from tests.webapp.test_playlists import venue_playlist
from tests.webapp.web import browser, csrf_of, signed_in


def test_a_screen_claiming_another_tenants_asset_shows_nothing_of_it(world: VenueWorld) -> None:
    client, app, as_role, demo = world.client, world.app, world.as_role, world.demo
    theirs = ready_asset(app, demo.other_tenant_id, demo.other_venue_id, seed=7)
    ours = ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=8)
    honest = pair(client, as_role("manager"), demo.fortescue_id, name="Honest")
    lying = pair(client, as_role("manager"), demo.fortescue_id, name="Lying")
    for screen, asset in ((honest, ours), (lying, theirs)):
        beat = heartbeat_body(deviceTime="2026-06-15T11:59:58Z")
        beat["playback"]["currentAssetId"] = str(asset.asset_id)
        assert (
            client.post("/v1/player/heartbeat", json=beat, headers=screen.headers).status_code
            == 204
        )

    page = signed_in(client, "viewer").get(f"/app/venues/{demo.fortescue_id}")

    assert "Showing picture-8.png" in page.text
    assert "picture-7.png" not in page.text
    assert "Showing an item no longer listed" in page.text
    assert str(theirs.asset_id) not in page.text
    assert "img-src 'self' http" in page.headers["content-security-policy"]


def test_the_preview_is_for_the_venues_people_only(world: VenueWorld) -> None:
    client, app = world.client, world.app
    page_url, _ = venue_playlist(client, app, world.as_role, world.demo)

    seen = signed_in(client, "viewer").get(f"{page_url}/preview")
    stranger = signed_in(browser(app), "other_admin").get(f"{page_url}/preview")

    assert seen.status_code == 200
    assert "Preview of Happy hour" in seen.text
    assert "media-src 'self' http" in seen.headers["content-security-policy"]
    assert stranger.status_code == 404
    assert "Happy hour" not in stranger.text


def test_another_tenants_admin_can_neither_ask_for_nor_see_a_screenshot(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id, name="Bar")
    device_url = f"/app/venues/{demo.fortescue_id}/devices/{screen.device_id}"
    stranger = signed_in(browser(world.app), "other_admin")
    own_page = stranger.get("/app/").text

    asked = stranger.post(
        f"{device_url}/commands",
        data={"csrf_token": csrf_of(own_page), "type": "CAPTURE_SCREENSHOT"},
    )

    assert asked.status_code == 404
    assert stranger.get(f"{device_url}/commands-list").status_code == 404
    listed = client.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{screen.device_id}/commands",
        headers=as_role("manager"),
    )
    assert listed.json()["items"] == []
