"""The manager web app in a real browser (Debian's Chromium via Playwright) against the platform
served over HTTP with the demo content: signing in, the venue's screens, reordering a playlist,
the schedule and a screen's timeline, what a viewer cannot do, the 412 conflict between two
people's browsers, and an upload through upload.js to READY (§13.3, §16, issue #9)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from signage.content.ingestion import ingest_asset
from signage.media.rules import MediaLimits
from signage.storage.base import utc_now
from tests.support.devices import pair
from tests.support.media_factory import make_jpeg
from tests.webapp.browser.live import PHONE, Platform, SignIn, sign_in

pytestmark = pytest.mark.browser

CARDS = ["two-for-one.jpg", "sunday-roast.jpg", "cocktails.jpg"]


def item_names(page: Page) -> list[str]:
    return [name.strip() for name in page.locator("ol.items > li strong").all_inner_texts()]


# What each demo role is offered (§5): (Admin link, Pair a screen, Create playlist).
ROLE_OFFERS = {
    "admin": (True, True, True),
    "manager": (False, True, True),
    "editor": (False, False, True),
    "viewer": (False, False, False),
}


@pytest.mark.parametrize("role", sorted(ROLE_OFFERS))
def test_each_role_signs_in_and_is_offered_only_what_it_may_do(
    chromium: Browser, platform: Platform, role: str
) -> None:
    admin_link, pair_link, create_playlist = ROLE_OFFERS[role]
    context = chromium.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, platform.base_url, role)  # through the form, with a new cookie jar
        expect(page.get_by_role("heading", name="Your venues")).to_be_visible()
        expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(int(admin_link))

        page.get_by_role("link", name=re.compile("Fortescue Arms")).click()
        expect(page.get_by_role("heading", name="Fortescue Arms")).to_be_visible()
        expect(page.get_by_role("link", name="Pair a screen")).to_have_count(int(pair_link))
        page.get_by_role("link", name="Playlists", exact=True).click()
        button = page.get_by_role("button", name="Create playlist")
        expect(button).to_have_count(int(create_playlist))

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        platform.forget(role)
    finally:
        context.close()


def test_a_manager_signs_in_picks_the_venue_and_sees_its_screens(
    signed_in_page: SignIn, platform: Platform
) -> None:
    pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, name="Lounge TV")
    page = signed_in_page("manager")

    page.goto(f"{platform.base_url}/app/")
    expect(page.get_by_role("heading", name="Your venues")).to_be_visible()
    page.get_by_role("link", name=re.compile("Fortescue Arms")).click()

    expect(page.get_by_role("heading", name="Fortescue Arms")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Lounge TV"))).to_be_visible()
    expect(page.get_by_role("link", name="Pair a screen")).to_be_visible()
    page.get_by_role("link", name="Schedule", exact=True).click()
    expect(page.get_by_role("heading", name="Weekly schedule")).to_be_visible()
    page.get_by_role("navigation", name="Day").get_by_role("link", name="Mon").click()  # a phone
    expect(page.get_by_text("Happy hour").first).to_be_visible()  # the demo's weekday slot


def test_an_editor_moves_an_item_and_sees_it_moved(
    signed_in_page: SignIn, platform: Platform
) -> None:
    url = platform.venue_playlist("Reorder me")
    page = signed_in_page("editor")
    page.goto(url)
    assert item_names(page) == CARDS

    page.get_by_role("button", name="Move cocktails.jpg up").click()

    page.wait_for_url(url)
    expect(page.locator("ol.items > li strong").nth(1)).to_have_text("cocktails.jpg")
    assert item_names(page) == [CARDS[0], CARDS[2], CARDS[1]]
    expect(page.get_by_text("Draft v3")).to_be_visible()  # created, filled, moved


def test_an_editor_drags_an_item_to_the_top(signed_in_page: SignIn, platform: Platform) -> None:
    url = platform.venue_playlist("Drag me")
    page = signed_in_page("editor")
    page.goto(url)
    handle = page.get_by_role("button", name="Drag cocktails.jpg")
    target = page.locator("ol.items > li").first.bounding_box()
    start = handle.bounding_box()
    assert target is not None
    assert start is not None

    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 5, target["y"] + 4, steps=8)  # the top half of the first row
    with page.expect_navigation():
        page.mouse.up()

    assert item_names(page) == [CARDS[2], CARDS[0], CARDS[1]]
    expect(page.get_by_text("Draft v3")).to_be_visible()


def test_a_viewer_sees_the_playlist_but_no_edit_or_publish_buttons(
    signed_in_page: SignIn, platform: Platform
) -> None:
    url = platform.venue_playlist("Look, don't touch")
    page = signed_in_page("viewer")
    page.goto(url)

    assert item_names(page) == CARDS
    expect(page.get_by_role("button", name=re.compile("Publish"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Move"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Remove"))).to_have_count(0)
    expect(page.get_by_text("Add an item")).to_have_count(0)


def test_a_manager_sees_the_publish_button(signed_in_page: SignIn, platform: Platform) -> None:
    page = signed_in_page("manager")
    page.goto(platform.venue_playlist("Ready to go"))

    page.get_by_role("button", name=re.compile("Publish draft")).click()

    expect(page.get_by_text("Published. Screens update on their next check.")).to_be_visible()
    expect(page.get_by_text("Published v1, no changes")).to_be_visible()


def test_two_people_move_items_and_the_second_is_told_to_reload(
    signed_in_page: SignIn, platform: Platform
) -> None:
    url = platform.venue_playlist("Busy playlist")
    editor = signed_in_page("editor")
    manager = signed_in_page("manager")
    with editor.expect_response(lambda r: r.url.endswith("/presence")):
        editor.goto(url)
    manager.goto(url)
    expect(manager.get_by_text("Sam Editor is editing")).to_be_visible()  # presence (§16)

    editor.get_by_role("button", name="Move two-for-one.jpg down").click()
    editor.wait_for_url(url)
    manager.get_by_role("button", name="Move cocktails.jpg up").click()  # from a stale page

    expect(manager.get_by_role("alert")).to_contain_text("Someone else changed this playlist")
    manager.get_by_role("link", name="Reload").click()
    assert item_names(manager) == [CARDS[1], CARDS[0], CARDS[2]]  # the editor's move, kept


def test_a_screen_timeline_shows_what_plays_when(
    signed_in_page: SignIn, platform: Platform
) -> None:
    screen = pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, "Door")
    page = signed_in_page("viewer")

    page.goto(
        f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}"
        f"/devices/{screen.device_id}/timeline"
    )

    expect(page.get_by_role("heading", name="What plays when")).to_be_visible()
    expect(page.locator("ol.timeline > li").first).to_be_visible()
    expect(page.get_by_text("House promotions").first).to_be_visible()  # the venue's fallback


def test_an_upload_shows_progress_then_ready(
    signed_in_page: SignIn, platform: Platform, tmp_path: Path
) -> None:
    # A size no other browser test uploads: the same bytes twice are "already in your library".
    photo = make_jpeg(tmp_path / "garden-party.jpg", 1200, 675)
    page = signed_in_page("manager")
    page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/upload")
    launched = len(platform.launcher.launched)

    page.get_by_label(re.compile("JPEG, PNG or MP4")).set_input_files(photo)
    page.get_by_role("button", name="Upload", exact=True).click()

    row = page.locator("li.upload", has_text="garden-party.jpg")
    status = row.locator(".asset-status")
    expect(status).to_contain_text("garden-party.jpg")
    expect(status).to_contain_text("Processing")
    assert row.locator("progress").evaluate("bar => bar.value") == 100
    expect(row.locator(".upload-state")).to_have_text("Uploaded 100 %")
    # The API asked the pipeline to ingest it; run that ingestion as the daemon would.
    assert len(platform.launcher.launched) == launched + 1
    context = platform.app.state.context
    ingest_asset(
        platform.database,
        context.storage,
        uuid.UUID(platform.launcher.launched[-1]),
        limits=MediaLimits.from_settings(platform.settings),
        clock=utc_now,
    )
    expect(status).to_contain_text("Ready.", timeout=10_000)  # htmx asks again within 1 s


def test_a_sent_form_shows_it_is_working_and_cannot_be_sent_twice(
    signed_in_page: SignIn, platform: Platform
) -> None:
    page = signed_in_page("editor")
    page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/playlists")
    # A slow network, as seen from the page: the submit is taken (app.js listens on the
    # document) but never leaves (this listener, on the window, runs after it).
    page.evaluate("window.addEventListener('submit', (event) => event.preventDefault())")

    page.get_by_label("New playlist").fill("Slow network")
    button = page.get_by_role("button", name="Create playlist")
    button.click()

    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-busy", "true")
