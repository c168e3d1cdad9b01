"""Takeovers on the venue page and the venue's publish history (§2, §26.11, §30.8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.demo import Demo
from tests.support.devices import pair
from tests.support.world import Signer, VenueWorld
from tests.webapp.test_playlist_editing import publish
from tests.webapp.test_playlists import venue_playlist
from tests.webapp.web import browser, post_form, signed_in


def venue_url(demo: Demo) -> str:
    return f"/app/venues/{demo.fortescue_id}"


def api_overrides(client: TestClient, as_role: Signer, demo: Demo) -> list[dict[str, object]]:
    url = f"/v1/venues/{demo.fortescue_id}/overrides?includeEnded=true"
    response = client.get(url, headers=as_role("manager"))
    assert response.status_code == 200, response.text
    found: list[dict[str, object]] = response.json()["items"]  # §27.1 page (issue 15 item 16)
    return found


def published_playlist(client: TestClient, app: FastAPI, as_role: Signer, demo: Demo) -> str:
    page_url, _ = venue_playlist(client, app, as_role, demo)
    publish(signed_in(browser(app), "manager"), page_url)
    return page_url.rsplit("/", 1)[1]


def test_a_manager_starts_a_takeover_on_a_screen_until_a_venue_local_end(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    playlist_id = published_playlist(client, world.app, as_role, demo)
    screen = pair(client, as_role("manager"), demo.fortescue_id, name="Bar screen")
    manager = signed_in(client, "manager")
    assert f'href="{venue_url(demo)}/takeover"' in manager.get(venue_url(demo)).text
    page = manager.get(f"{venue_url(demo)}/takeover").text
    assert f'<option value="{playlist_id}">Happy hour</option>' in page
    assert f'value="DEVICE:{screen.device_id}">Screen: Bar screen' in page
    tomorrow = (world.clock() + timedelta(days=1)).astimezone(ZoneInfo("Europe/London")).date()
    ends_local = f"{tomorrow.isoformat()}T23:30"  # venue time, Europe/London

    response = post_form(
        manager,
        venue_url(demo),
        f"{venue_url(demo)}/takeover",
        playlist_id=playlist_id,
        target=f"DEVICE:{screen.device_id}",
        ends_at=ends_local,
    )

    assert response.status_code == 303
    shown = manager.get(response.headers["location"]).text
    assert "Takeover started" in shown
    assert "playing now" in shown
    assert "Screen: Bar screen" in shown
    assert "23:30" in shown  # the end, shown in venue time
    [started] = api_overrides(client, as_role, demo)
    assert started["targetType"] == "DEVICE"
    wanted_end = datetime.fromisoformat(ends_local).replace(tzinfo=ZoneInfo("Europe/London"))
    assert datetime.fromisoformat(str(started["endsAtUtc"])) == wanted_end


def test_a_takeover_until_cancelled_is_stopped_and_everyone_sees_it(world: VenueWorld) -> None:
    client, app, as_role, demo = world.client, world.app, world.as_role, world.demo
    playlist_id = published_playlist(client, app, as_role, demo)
    manager = signed_in(client, "manager")
    started = post_form(
        manager,
        venue_url(demo),
        f"{venue_url(demo)}/takeover",
        playlist_id=playlist_id,
        target="VENUE",
        ends_at="",
    )
    assert started.status_code == 303
    viewer = signed_in(browser(app), "viewer")
    seen = viewer.get(venue_url(demo)).text
    assert "until cancelled" in seen
    assert "Whole venue: Fortescue Arms" in seen
    assert "Stop takeover" not in seen  # a viewer only looks
    assert "Take over screens" not in seen
    [override] = api_overrides(client, as_role, demo)

    stopped = post_form(
        manager,
        venue_url(demo),
        f"{venue_url(demo)}/cancel-takeover",
        override_id=str(override["overrideId"]),
    )

    assert stopped.status_code == 303
    assert "Takeover stopped" in manager.get(stopped.headers["location"]).text
    assert "No takeover is running" in viewer.get(venue_url(demo)).text
    assert api_overrides(client, as_role, demo)[0]["cancelledAtUtc"] is not None


def test_editors_and_viewers_are_refused_takeovers(world: VenueWorld) -> None:
    client, app, as_role, demo = world.client, world.app, world.as_role, world.demo
    playlist_id = published_playlist(client, app, as_role, demo)
    for role in ("editor", "viewer"):
        person = signed_in(browser(app), role)
        assert "Take over screens" not in person.get(venue_url(demo)).text
        assert person.get(f"{venue_url(demo)}/takeover").status_code == 403
        refused = post_form(
            person,
            venue_url(demo),
            f"{venue_url(demo)}/takeover",
            playlist_id=playlist_id,
            target="VENUE",
        )
        assert refused.status_code == 403, role
    assert api_overrides(client, as_role, demo) == []


def test_an_unpublished_playlist_cannot_take_over(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    page_url, _ = venue_playlist(client, world.app, world.as_role, demo)
    manager = signed_in(client, "manager")
    assert "Publish a playlist first" in manager.get(f"{venue_url(demo)}/takeover").text

    response = post_form(
        manager,
        venue_url(demo),
        f"{venue_url(demo)}/takeover",
        playlist_id=page_url.rsplit("/", 1)[1],
        target="VENUE",
    )

    assert response.status_code == 422
    assert "not published" in response.text


def test_the_publish_history_lists_publishes_and_takeovers(world: VenueWorld) -> None:
    client, app, demo = world.client, world.app, world.demo
    playlist_id = published_playlist(client, app, world.as_role, demo)
    world.clock.advance(minutes=1)  # the test clock stands still otherwise
    manager = signed_in(client, "manager")
    post_form(
        manager,
        venue_url(demo),
        f"{venue_url(demo)}/takeover",
        playlist_id=playlist_id,
        target="VENUE",
    )

    history = signed_in(browser(app), "viewer").get(f"{venue_url(demo)}/publishes")

    assert history.status_code == 200
    text = history.text
    assert text.index("Takeover started") < text.index("Playlist published")  # newest first
    assert "Happy hour" in text
    assert "v0 → v1" in text
    assert "Manager" in text  # who, by name
    # Each publish leads to where it can be rolled back (§21 "History - Rollback").
    assert f'href="{venue_url(demo)}/playlists/{playlist_id}/versions"' in text
    assert text.count(">Versions and rollback</a>") == 1  # a takeover has no versions
