"""What a venue manager does with screens on a phone (issue 19 items 3, 8 and 13): the emergency
takeover one tap from the screens, pairing that says which screen it paired, every support
command with its progress and answer, and what a screen is showing (§2, §8, §18, §27.8.2)."""

from __future__ import annotations

import re
from io import BytesIO

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Locator, expect

from signage.storage.base import utc_now
from tests.support.content import create_playlist, set_items
from tests.support.devices import PairedDevice, heartbeat_body, pair, poll_status, start_pairing
from tests.webapp.browser.live import PHONE, Platform, SignIn, browsers_for

pytestmark = pytest.mark.browser


def test_the_takeover_is_one_tap_from_the_venues_screens(
    signed_in_page: SignIn, platform: Platform
) -> None:
    page = signed_in_page("manager")
    page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}")

    take_over = page.get_by_role("link", name="Take over screens")
    expect(take_over).to_be_visible()
    box = take_over.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]  # reached without scrolling
    take_over.click()
    page.get_by_label("Published playlist").select_option(label="Happy hour")
    page.get_by_role("button", name="Start takeover now").click()

    expect(page.get_by_text("Takeover started.")).to_be_visible()
    expect(page.get_by_text("playing now")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop takeover").click()
    expect(page.get_by_text("Takeover stopped.")).to_be_visible()


def test_pairing_ends_with_a_message_naming_the_screen(
    signed_in_page: SignIn, platform: Platform
) -> None:
    started = start_pairing(platform.api)
    page = signed_in_page("manager")
    page.goto(f"{platform.base_url}/app/pair?venue={platform.demo.fortescue_id}")
    page.get_by_label("Code on the screen").fill(started["pairingCode"])
    page.get_by_label("Name for the screen").fill("Snug TV")
    page.get_by_role("button", name="Pair").click()

    expect(page.get_by_role("status").filter(has_text="Paired")).to_have_text(
        re.compile(r"Paired: Snug TV is now a screen of Fortescue Arms\.")
    )
    assert poll_status(platform.api, started)["status"] == "COMPLETED"


def device_polls(platform: Platform, device: PairedDevice) -> list[dict]:
    """The screen's side (§27.8): fetch the open commands, which marks them delivered."""
    polled = platform.api.get("/v1/player/commands", headers=device.headers)
    assert polled.status_code == 200, polled.text
    items: list[dict] = polled.json()["items"]
    return items


def device_answers(platform: Platform, device: PairedDevice, command_id: str, body: dict) -> None:
    url = f"/v1/player/commands/{command_id}/result"
    assert platform.api.post(url, json=body, headers=device.headers).status_code == 204


def test_every_support_command_shows_its_progress_and_the_answer_in_words(
    signed_in_page: SignIn, platform: Platform
) -> None:
    screen = pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, "Till")
    page = signed_in_page("manager")
    page.goto(
        f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/devices/{screen.device_id}"
    )
    support = page.locator("#support-commands")
    for label in (
        "Refresh content",
        "Restart playback",
        "Clear unused downloads",
        "Restart the app",
    ):
        expect(support.get_by_role("button", name=label)).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())  # "Clear all downloads?" asks first
    support.get_by_role("button", name="Clear all downloads").click()
    commands = page.get_by_role("status", name="Recent commands")
    latest = commands.locator("li.command").first
    expect(latest).to_contain_text("Waiting for the screen to pick it up")

    [command] = device_polls(platform, screen)
    expect(latest).to_contain_text(re.compile(r"Delivered ✓ after \d+ s"))
    expect(latest).to_contain_text("Delivered, the screen is carrying it out")
    device_answers(
        platform,
        screen,
        command["commandId"],
        {"status": "SUCCEEDED", "result": {"freedBytes": 5 * 1024 * 1024}},
    )
    expect(latest).to_contain_text(re.compile(r"Answered ✓ after \d+ s"))
    expect(latest).to_contain_text("Freed 5.0 MB.")

    page.get_by_label("Diagnostics for").select_option(label="1 hour")
    page.get_by_role("button", name="Turn on diagnostics").click()
    expect(page.get_by_text("Sent: Turn on diagnostics.")).to_be_visible()
    [diagnostics] = device_polls(platform, screen)
    assert diagnostics["parameters"] == {"durationMinutes": 60}
    device_answers(
        platform, screen, diagnostics["commandId"], {"status": "FAILED", "error": "disk full"}
    )
    expect(commands.locator("li.command").first).to_contain_text(
        "The screen could not do it: disk full."
    )


def test_an_editor_is_offered_no_support_commands(
    signed_in_page: SignIn, platform: Platform
) -> None:
    screen = pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, "Porch")
    page = signed_in_page("editor")
    page.goto(
        f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/devices/{screen.device_id}"
    )
    expect(page.get_by_role("heading", name="Porch")).to_be_visible()
    expect(page.get_by_role("button", name="Refresh content")).to_have_count(0)
    expect(page.get_by_role("button", name="Take a screenshot")).to_have_count(0)


def heartbeat_showing(platform: Platform, device: PairedDevice, asset_id: str) -> None:
    """The screen reports (§27.8.2) that it is playing `asset_id`, first item of a playlist."""
    body = heartbeat_body(deviceTime=utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    body["playback"] = {**body["playback"], "currentAssetId": asset_id, "currentItemIndex": 0}
    beat = platform.api.post("/v1/player/heartbeat", json=body, headers=device.headers)
    assert beat.status_code == 204, beat.text


def loaded(image: Locator) -> bool:
    return bool(image.evaluate("img => img.complete && img.naturalWidth > 0"))


def test_a_screens_page_and_the_venues_list_show_what_it_is_playing(
    signed_in_page: SignIn, platform: Platform
) -> None:
    screen = pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, "Bar")
    heartbeat_showing(platform, screen, str(platform.demo_assets()[0]))
    page = signed_in_page("viewer")
    page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}")

    card = page.get_by_role("link", name=re.compile("^Bar"))
    expect(card).to_contain_text("Showing two-for-one.jpg")
    expect(card.locator("img.now-thumb")).to_be_visible()
    assert loaded(card.locator("img.now-thumb"))
    card.click()
    showing = page.locator("#now-showing")
    expect(showing).to_contain_text("two-for-one.jpg")
    assert loaded(showing.locator("img"))


def test_a_manager_asks_for_a_screenshot_and_sees_it_other_tenants_cannot(
    signed_in_page: SignIn, platform: Platform, chromium: Browser
) -> None:
    screen = pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, "Door")
    device_url = (
        f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/devices/{screen.device_id}"
    )
    page = signed_in_page("manager")
    page.goto(device_url)
    page.get_by_role("button", name="Take a screenshot").click()
    expect(page.get_by_text("Sent: Take a screenshot.")).to_be_visible()

    # The screen's side, as the reference player does it: signed URL, PUT, then the result.
    [command] = device_polls(platform, screen)
    picture = BytesIO()
    Image.new("RGB", (320, 180), (10, 160, 60)).save(picture, format="JPEG")
    asked = platform.api.post(
        f"/v1/player/commands/{command['commandId']}/screenshot-upload",
        json={"sizeBytes": len(picture.getvalue())},
        headers=screen.headers,
    )
    assert asked.status_code == 201, asked.text
    upload = asked.json()
    put = httpx.put(
        upload["uploadUrl"], content=picture.getvalue(), headers=upload["uploadHeaders"]
    )
    assert put.status_code in (200, 201, 204), put.text
    done = {"status": "SUCCEEDED", "result": {"widthPx": 320, "heightPx": 180}}
    device_answers(platform, screen, command["commandId"], done)

    shot = page.get_by_role("img", name=re.compile("Screenshot of Door"))
    expect(shot).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 320", arg=shot.element_handle()
    )
    expect(page.locator("li.command").first).to_contain_text("Here is what the screen showed.")

    # Another tenant's admin: the page and the /v1 list are 404, nothing leaks the picture.
    with browsers_for(chromium, platform) as open_as:
        stranger = open_as("other_admin")
        refused = stranger.goto(device_url)
        assert refused is not None
        assert refused.status == 404
        expect(stranger.get_by_role("img", name=re.compile("Screenshot"))).to_have_count(0)
    listed = platform.api.get(
        f"/v1/venues/{platform.demo.fortescue_id}/devices/{screen.device_id}/commands",
        headers=platform.headers("other_admin"),
    )
    assert listed.status_code == 404


def test_playlist_rows_show_thumbnails_and_the_playlist_previews_in_order(
    signed_in_page: SignIn, platform: Platform
) -> None:
    base = f"/v1/venues/{platform.demo.fortescue_id}/playlists"
    editor = platform.headers("editor")
    playlist_id, etag = create_playlist(platform.api, editor, base, "Window loop")
    set_items(platform.api, editor, f"{base}/{playlist_id}", etag, platform.demo_assets(), 2)
    page = signed_in_page("viewer")
    page.goto(
        f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/playlists/{playlist_id}"
    )

    thumbs = page.locator("ol.items > li img.thumb")
    expect(thumbs).to_have_count(3)
    assert all(loaded(thumbs.nth(n)) for n in range(3))
    page.get_by_role("link", name="Preview").click()

    expect(page.get_by_role("heading", name="Preview of Window loop")).to_be_visible()
    expect(page.get_by_text("3 items · one loop takes 6.0 s")).to_be_visible()
    rows = page.locator("#preview-items > li")
    expect(rows).to_have_text(
        [
            re.compile(rf"{name}\.jpg\s+image · 2.0 s")
            for name in ("two-for-one", "sunday-roast", "cocktails")
        ]
    )
    page.get_by_role("button", name="Play").click()
    caption = page.locator("#preview-caption")
    expect(caption).to_have_text(re.compile(r"Item 1 of 3: two-for-one.jpg"))
    shown = page.locator("#preview-stage img")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=shown.element_handle()
    )
    expect(caption).to_have_text(re.compile(r"Item 2 of 3: sunday-roast.jpg"), timeout=15_000)
