"""Words for people in a real browser (issue 19 item 10): error pages say what happened and what
to do, with a way back; a refused role names who may ("Only venue managers can publish"); a
screen's state is "Playing" or "Showing an error", never ERROR_SCREEN, and a player still
fetching its first content is starting up, not a red error."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.support.devices import heartbeat_body, pair
from tests.webapp.browser.live import Platform, SignIn

pytestmark = pytest.mark.browser

# A form the editor's page does not offer, sent with the page's own CSRF token and ETag (as a
# page left open from when they were a manager would).
SEND_PUBLISH = """(action) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  for (const name of ["csrf_token", "etag"]) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = name;
    field.value = document.querySelector(`input[name=${name}]`).value;
    form.appendChild(field);
  }
  document.body.appendChild(form);
  form.submit();
}"""


def test_a_refused_role_says_who_may(signed_in_page: SignIn, platform: Platform) -> None:
    url = platform.venue_playlist("Not yours to publish")
    page = signed_in_page("editor")
    page.goto(url)
    with page.expect_navigation():
        page.evaluate(SEND_PUBLISH, url.removeprefix(platform.base_url) + "/publish")

    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("Only venue managers can publish.")
    expect(page.get_by_text("VENUE_MANAGER")).to_have_count(0)
    page.get_by_role("link", name="Back to where you were").click()
    expect(page.get_by_role("heading", name="Not yours to publish")).to_be_visible()

    screen = pair(platform.api, platform.headers("manager"), platform.demo.fortescue_id, "Den")
    venue = f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}"
    page.goto(f"{venue}/devices/{screen.device_id}/settings")
    expect(page.get_by_role("alert")).to_have_text(
        "Only venue managers can change a screen's settings."
    )


def test_a_missing_page_says_what_to_do_and_leads_back(
    signed_in_page: SignIn, platform: Platform
) -> None:
    venue = f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}"
    page = signed_in_page("viewer")
    page.goto(f"{venue}/playlists/{uuid.uuid4()}", referer=f"{venue}/playlists")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("It may have been removed, or the address")).to_be_visible()
    page.get_by_role("link", name="Back to where you were").click()
    page.wait_for_url(f"{venue}/playlists")


def test_screen_states_are_words_and_a_start_up_is_not_an_error(
    signed_in_page: SignIn, platform: Platform
) -> None:
    manager = platform.headers("manager")
    reports = {
        "Starting screen": heartbeat_body(state="ERROR_SCREEN", manifestEtag=None, playback={}),
        "Broken screen": heartbeat_body(state="ERROR_SCREEN"),
        "Fine screen": heartbeat_body(state="PLAYING"),
    }
    for name, report in reports.items():
        screen = pair(platform.api, manager, platform.demo.fortescue_id, name)
        beat = platform.api.post("/v1/player/heartbeat", json=report, headers=screen.headers)
        assert beat.status_code < 300, beat.text

    page = signed_in_page("manager")
    page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}")
    cards = page.locator("#devices .card")
    starting = cards.filter(has_text="Starting screen")
    expect(starting).to_contain_text("Starting up: fetching its content")
    expect(starting.locator(".state-off")).to_have_count(0)  # not red
    broken = cards.filter(has_text="Broken screen")
    expect(broken.locator(".state-off")).to_have_text("Showing an error")
    expect(cards.filter(has_text="Fine screen").locator(".state-ok")).to_have_text("Playing")
    expect(page.get_by_text(re.compile("ERROR_SCREEN|Error screen"))).to_have_count(0)

    starting.click()
    expect(page.locator("#device-status")).to_contain_text("Starting up: fetching its content")
    expect(page.locator("#device-status .state-off")).to_have_count(0)
