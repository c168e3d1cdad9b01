"""The weekly schedule in venue time (§30.8) and a screen's "what plays when" (§21)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import Signer
from tests.support.content import add_slot, publish_schedule, published_playlist, ready_asset
from tests.support.demo import Demo
from tests.support.devices import PairedDevice, pair
from tests.webapp.web import browser, etag_of, post_form, signed_in

WEEKDAYS = 0b0011111  # Monday to Friday
DASH = "\N{EN DASH}"  # how the pages write a span of time


def scheduled_screen(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> tuple[PairedDevice, str]:
    """A screen with "Lunch" published on weekdays 11:30-14:00 venue time; (screen, page URL)."""
    screen = pair(client, as_role("manager"), demo.fortescue_id, name="Bar screen")
    asset = ready_asset(app, demo.tenant_id, demo.fortescue_id).asset_id
    base = f"/v1/venues/{demo.fortescue_id}/playlists"
    lunch = published_playlist(client, as_role("manager"), base, [asset], name="Lunch")
    add_slot(
        client,
        as_role("editor"),
        demo.fortescue_id,
        targetType="DEVICE",
        targetId=screen.device_id,
        playlistId=lunch,
        daysOfWeekMask=WEEKDAYS,
        startMinutes=11 * 60 + 30,
        endMinutes=14 * 60,
    )
    publish_schedule(client, as_role("manager"), demo.fortescue_id)
    return screen, f"/app/venues/{demo.fortescue_id}/schedule"


def test_the_schedule_shows_published_and_draft_slots_in_venue_time(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)

    page = signed_in(client, "viewer").get(page_url).text

    assert "Europe/London" in page
    assert "Published" in page
    assert "(v1)" in page
    assert f"11:30{DASH}14:00" in page
    assert "Lunch" in page
    assert "Screen: Bar screen" in page
    assert page.count(f"11:30{DASH}14:00") == 10  # five weekdays, published and draft
    assert "Publish draft" not in page  # a viewer publishes nothing


def test_a_manager_publishes_the_schedule(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    manager = signed_in(client, "manager")
    page = manager.get(page_url).text
    assert "Publish draft" in page

    response = post_form(manager, page_url, f"{page_url}/publish", etag=etag_of(page))

    assert response.status_code == 303
    assert "Schedule published." in manager.get(response.headers["location"]).text
    schedule = client.get(
        f"/v1/venues/{demo.fortescue_id}/scheduleset", headers=as_role("viewer")
    ).json()
    assert schedule["publishedVersion"] == 2


def test_an_editor_cannot_publish_the_schedule(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    _, page_url = scheduled_screen(client, app, as_role, demo)
    editor = signed_in(browser(app), "editor")
    etag = etag_of(signed_in(client, "manager").get(page_url).text)
    assert "Publish draft" not in editor.get(page_url).text

    response = post_form(editor, page_url, f"{page_url}/publish", etag=etag)

    assert response.status_code == 403


def test_the_timeline_says_what_a_screen_plays_when(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> None:
    screen, _ = scheduled_screen(client, app, as_role, demo)
    device_url = f"/app/venues/{demo.fortescue_id}/devices/{screen.device_id}"
    viewer = signed_in(client, "viewer")
    assert f"{device_url}/timeline" in viewer.get(device_url).text

    page = viewer.get(f"{device_url}/timeline").text

    # The clock is Monday 15 June 2026 12:00 UTC, 13:00 in London (BST): lunch is on now.
    assert "Europe/London" in page
    assert f"Mon 15 Jun 13:00 {DASH} 14:00" in page
    assert "Lunch" in page
    assert f"Tue 16 Jun 11:30 {DASH} 14:00" in page
    # An interval that ends the next day shows that day, even when shorter than 24 h.
    assert f"Mon 15 Jun 14:00 {DASH} Tue 16 Jun 11:30" in page
