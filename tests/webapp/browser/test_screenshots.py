"""The README's screenshots, taken by the test suite in Debian's Chromium against a platform of
its own (so the pictures do not depend on the other tests). At a 390x844 phone viewport: sign
in, venue picker, a venue's screens, a playlist, the weekly schedule, a screen's timeline,
pairing and a screen's detail; at 1280x800 the operations console: dashboard, alerts, a
screen's detail, the schedule, people and the publish history (issue #9).

A test run writes them to a temporary folder, so `make test` leaves the checkout as it was;
`make screenshots` sets SIGNAGE_SCREENSHOTS_DIR=docs/screenshots to refresh the README's copies."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from signage.alerts.evaluation import evaluate_alerts
from signage.alerts.rules import AlertThresholds
from signage.storage.base import utc_now
from tests.support.devices import heartbeat_body, poll_status, start_pairing
from tests.webapp.browser.live import (
    DESKTOP,
    PHONE,
    Platform,
    SignIn,
    browsers_for,
    live_platform,
    require_chromium,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where pictures go: the README's folder only when asked (`make screenshots`)."""
    wanted = os.environ.get("SIGNAGE_SCREENSHOTS_DIR")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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


def bar_screen(showcase: Platform, name: str, state: str | None = None) -> str:
    """Pair a screen into the demo's "Bar screens" group (it has the happy-hour slot); with a
    `state`, the screen reports it in a heartbeat and has answered a refresh command."""
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
    paired = poll_status(showcase.api, started)
    if state is not None:
        report(showcase, paired["deviceId"], paired["deviceToken"], state)
    return str(paired["deviceId"])


def playing_now(showcase: Platform) -> dict:
    """The first item of the venue's first published playlist, as a heartbeat reports it, so the
    pictures show a real "Showing" line (issue 19 item 3)."""
    venue = f"/v1/venues/{showcase.demo.fortescue_id}/playlists"
    playlists = showcase.api.get(venue, headers=showcase.headers("manager")).json()["items"]
    published = next(p for p in playlists if p.get("publishedVersion"))
    playlist = showcase.api.get(
        f"{venue}/{published['playlistId']}", headers=showcase.headers("manager")
    ).json()
    return {
        "playlistId": published["playlistId"],
        "publishedVersion": published["publishedVersion"],
        "currentAssetId": playlist["items"][0]["assetId"],
        "currentItemIndex": 0,
        "loopCount": 14,
    }


def report(showcase: Platform, device_id: str, token: str, state: str) -> None:
    """The screen's side: a heartbeat, and a refresh command sent by the manager, answered."""
    screen = {"Authorization": f"Bearer {token}"}
    beat = showcase.api.post(
        "/v1/player/heartbeat",
        json=heartbeat_body(state=state, playback=playing_now(showcase)),
        headers=screen,
    )
    assert beat.status_code in (200, 202, 204), beat.text
    device = f"/v1/venues/{showcase.demo.fortescue_id}/devices/{device_id}"
    sent = showcase.api.post(
        f"{device}/commands",
        json={"type": "REQUEST_MANIFEST_REFRESH"},
        headers=showcase.headers("manager"),
    )
    assert sent.status_code == 201, sent.text
    answer = {"status": "SUCCEEDED", "result": {}}
    done = f"/v1/player/commands/{sent.json()['commandId']}/result"
    showcase.api.get("/v1/player/commands", headers=screen)  # delivered
    assert showcase.api.post(done, json=answer, headers=screen).status_code == 204


def shoot(page: Page, folder: Path, name: str, *, full_page: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    path = folder / f"{name}.png"
    page.screenshot(path=path, animations="disabled", caret="hide", full_page=full_page)
    assert path.stat().st_size < 300_000, f"{path.name} is too big for the README"


@pytest.fixture(scope="module")
def furnished(showcase: Platform) -> dict[str, str]:
    """Three screens: one playing, one on its error screen, one that never reported (offline),
    and the alerts the pipeline's evaluation opens for them."""
    screens = {
        "Bar screen": bar_screen(showcase, "Bar screen", "PLAYING"),
        "Garden screen": bar_screen(showcase, "Garden screen", "ERROR_SCREEN"),
        "Cellar screen": bar_screen(showcase, "Cellar screen"),
    }
    thresholds = AlertThresholds.from_settings(showcase.settings)
    with showcase.database.unit_of_work() as session:
        evaluate_alerts(session, utc_now(), thresholds)
    return screens


def test_screenshots_of_the_main_screens_at_phone_width(
    chromium: Browser,
    open_as: SignIn,
    showcase: Platform,
    furnished: dict[str, str],
    screenshots_dir: Path,
) -> None:
    device_id = furnished["Bar screen"]
    playlist_url = showcase.venue_playlist("Friday night")
    base = showcase.base_url

    anonymous = chromium.new_context(viewport=PHONE)
    try:
        login = anonymous.new_page()
        login.goto(f"{base}/app/login")
        login.get_by_label("E-mail").fill("manager@demo.example")
        expect(login.get_by_role("button", name="Sign in")).to_be_visible()
        shoot(login, screenshots_dir, "01-sign-in")
    finally:
        anonymous.close()

    page = open_as("manager")
    page.goto(f"{base}/app/")
    expect(page.get_by_role("link", name=re.compile("Fortescue Arms"))).to_be_visible()
    shoot(page, screenshots_dir, "02-venues")

    page.get_by_role("link", name=re.compile("Fortescue Arms")).click()
    expect(page.get_by_role("link", name=re.compile("Garden screen"))).to_be_visible()
    shoot(page, screenshots_dir, "03-screens")

    page.goto(playlist_url)
    expect(page.get_by_role("button", name=re.compile("Publish draft"))).to_be_visible()
    shoot(page, screenshots_dir, "04-playlist")

    page.goto(f"{base}/app/venues/{showcase.demo.fortescue_id}/schedule?day=mon")
    expect(page.get_by_role("heading", name="Weekly schedule")).to_be_visible()
    shoot(page, screenshots_dir, "05-schedule")

    device = f"{base}/app/venues/{showcase.demo.fortescue_id}/devices/{device_id}"
    page.goto(f"{device}/timeline")
    expect(page.get_by_text("Happy hour").first).to_be_visible()
    shoot(page, screenshots_dir, "06-timeline")

    page.goto(f"{base}/app/pair?venue={showcase.demo.fortescue_id}")
    page.get_by_label("Code on the screen").fill("K7QM-2P4X")
    shoot(page, screenshots_dir, "07-pair")

    page.goto(device)
    expect(page.get_by_text("Answered").first).to_be_visible()  # sent → delivered → answered
    shoot(page, screenshots_dir, "08-screen")


def test_screenshots_of_the_operations_console_at_desktop_width(
    chromium: Browser, showcase: Platform, furnished: dict[str, str], screenshots_dir: Path
) -> None:
    base, venue = showcase.base_url, f"{showcase.base_url}/app/venues/{showcase.demo.fortescue_id}"
    with browsers_for(chromium, showcase, DESKTOP) as open_as:
        page = open_as("admin")
        page.goto(f"{base}/app/ops")
        expect(page.locator("table").get_by_text("Fortescue Arms").first).to_be_visible()
        shoot(page, screenshots_dir, "11-dashboard")

        page.goto(f"{base}/app/ops/alerts")
        expect(page.locator("[data-alert]").first).to_be_visible()
        shoot(page, screenshots_dir, "12-alerts")

        page.goto(f"{venue}/devices/{furnished['Garden screen']}")
        expect(page.get_by_role("heading", name="Status history")).to_be_visible()
        shoot(page, screenshots_dir, "13-screen", full_page=True)

        page.goto(f"{venue}/schedule?day=mon")  # a weekday with the demo slot
        expect(page.get_by_role("heading", name="Weekly schedule")).to_be_visible()
        shoot(page, screenshots_dir, "14-schedule")

        page.goto(f"{base}/app/admin/users")
        expect(page.get_by_role("heading", name="People")).to_be_visible()
        shoot(page, screenshots_dir, "15-people")

        page.goto(f"{venue}/publishes")
        shoot(page, screenshots_dir, "16-history")
