"""The README's screenshots, taken by the test suite at a 390x844 phone viewport in Debian's
Chromium against a platform of its own (so the pictures do not depend on the other tests):
sign in, venue picker, a venue's screens, a playlist, the weekly schedule and a screen's
timeline. Each run overwrites docs/screenshots/*.png (issue #9)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.devices import poll_status, start_pairing
from tests.webapp.browser.conftest import (
    PHONE,
    Platform,
    SignIn,
    browsers_for,
    live_platform,
    require_chromium,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def showcase(
    pg_admin_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    require_chromium()
    data_dir = tmp_path_factory.mktemp("showcase") / "var"
    with live_platform(pg_admin_url, pg_template, data_dir) as live:
        yield live


@pytest.fixture
def open_as(chromium: Browser, showcase: Platform) -> Iterator[SignIn]:
    with browsers_for(chromium, showcase) as opener:
        yield opener


def bar_screen(showcase: Platform, name: str) -> str:
    """Pair a screen into the demo's "Bar screens" group (it has the happy-hour slot)."""
    venue = f"/v1/venues/{showcase.demo.fortescue_id}"
    headers = showcase.headers("manager")
    groups = showcase.api.get(f"{venue}/groups", headers=headers).json()["items"]
    group = next(g for g in groups if g["name"] == "Bar screens")
    started = start_pairing(showcase.api)
    claimed = showcase.api.post(
        f"{venue}/devices/pairing/claim",
        json={"pairingCode": started["pairingCode"], "name": name, "groupId": group["groupId"]},
        headers=headers,
    )
    assert claimed.status_code == 201, claimed.text
    return str(poll_status(showcase.api, started)["deviceId"])


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, animations="disabled", caret="hide")
    assert path.stat().st_size < 300_000, f"{path.name} is too big for the README"


def test_screenshots_of_the_main_screens_at_phone_width(
    chromium: Browser, open_as: SignIn, showcase: Platform
) -> None:
    device_id = bar_screen(showcase, "Bar screen")
    bar_screen(showcase, "Garden screen")
    playlist_url = showcase.venue_playlist("Friday night")
    base = showcase.base_url

    anonymous = chromium.new_context(viewport=PHONE)
    try:
        login = anonymous.new_page()
        login.goto(f"{base}/app/login")
        login.get_by_label("E-mail").fill("manager@demo.example")
        expect(login.get_by_role("button", name="Sign in")).to_be_visible()
        shoot(login, "01-sign-in")
    finally:
        anonymous.close()

    page = open_as("manager")
    page.goto(f"{base}/app/")
    expect(page.get_by_role("link", name=re.compile("Fortescue Arms"))).to_be_visible()
    shoot(page, "02-venues")

    page.get_by_role("link", name=re.compile("Fortescue Arms")).click()
    expect(page.get_by_role("link", name=re.compile("Garden screen"))).to_be_visible()
    shoot(page, "03-screens")

    page.goto(playlist_url)
    expect(page.get_by_role("button", name=re.compile("Publish draft"))).to_be_visible()
    shoot(page, "04-playlist")

    page.goto(f"{base}/app/venues/{showcase.demo.fortescue_id}/schedule")
    expect(page.get_by_role("heading", name="Weekly schedule")).to_be_visible()
    shoot(page, "05-schedule")

    page.goto(f"{base}/app/venues/{showcase.demo.fortescue_id}/devices/{device_id}/timeline")
    expect(page.get_by_text("Happy hour").first).to_be_visible()
    shoot(page, "06-timeline")

    assert sorted(p.name for p in SCREENSHOTS.glob("*.png")) == [
        "01-sign-in.png",
        "02-venues.png",
        "03-screens.png",
        "04-playlist.png",
        "05-schedule.png",
        "06-timeline.png",
    ]
