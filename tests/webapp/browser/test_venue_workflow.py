"""The whole venue workflow of issue #9 in a phone-sized Chromium, with no API knowledge: a real
headless player (python-vlc, dummy outputs) shows its pairing code and the manager types it in;
a photo and a video are uploaded and become READY; a playlist is built from them and
published; it is scheduled for the new screen; the screen's timeline shows it; a support
command is sent and the player's acknowledgement appears; a screenshot the player took with
libVLC shows on the page; a takeover is started and stopped;
and once the player is gone its offline alert is on the dashboard (§13, §15, §17, §21, §28.7).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from conformance.platform import allow_fast_devices
from signage.alerts.evaluation import evaluate_alerts
from signage.alerts.rules import AlertThresholds
from signage.content.ingestion import ingest_asset
from signage.media.rules import MediaLimits
from signage.storage.base import utc_now
from tests.e2e.test_player_on_platform import POLL_SECONDS, wait_for
from tests.player.test_vlc_playback import libvlc_usable
from tests.support.media_factory import make_jpeg, make_mp4
from tests.webapp.browser.live import (
    Platform,
    browsers_for,
    live_platform,
    require_chromium,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_usable(), reason="libVLC is not installed"),
]

# The player polls every POLL_SECONDS; what it reports can take a few cadences to show.
PLAYER_SECONDS = 90_000


@pytest.fixture(scope="module")
def venue_platform(
    pg_admin_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    require_chromium()
    data_dir = tmp_path_factory.mktemp("workflow") / "var"
    with live_platform(pg_admin_url, pg_template, data_dir, POLL_SECONDS) as live:
        allow_fast_devices(live.database, live.demo.tenant_id)
        yield live


@contextmanager
def headless_player(base_url: str, data_dir: Path) -> Iterator[Path]:
    """A real player process loop on a thread; yields its state file (holds the pairing code)."""
    from player.app import Player, PlayerConfig
    from player.clock import SystemClock
    from player.media_backend import VlcBackend
    from player.recorder import ScreenRecorder

    config = PlayerConfig(data_dir=data_dir, api_url=base_url, events_flush_seconds=2)
    player = Player(config, VlcBackend(headless=True), SystemClock(), ScreenRecorder())
    stop = threading.Event()
    loop = threading.Thread(target=player.run, args=(stop,))
    loop.start()
    try:
        yield data_dir / "state.json"
    finally:
        stop.set()
        loop.join(timeout=30)


def pairing_code(state_file: Path) -> str:
    def shown() -> str | None:
        if not state_file.exists():
            return None
        code: str | None = json.loads(state_file.read_text()).get("pairing_code")
        return code

    wait_for(shown, timeout=20)
    return str(shown())


def upload_and_wait_until_ready(page: Page, platform: Platform, path: Path) -> None:
    """Upload through the page (upload.js), run the ingestion the API asked for, as the
    pipeline's daemon would, and wait for the page's polling to say READY (§13.3)."""
    page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/upload")
    launched = len(platform.launcher.launched)
    page.get_by_label(re.compile("JPEG, PNG or MP4")).set_input_files(path)
    page.get_by_role("button", name="Upload", exact=True).click()
    status = page.locator("li.upload", has_text=path.name).locator(".asset-status")
    expect(status).to_contain_text(path.name)
    wait_for(lambda: len(platform.launcher.launched) > launched, timeout=10)
    ingest_asset(
        platform.database,
        platform.app.state.context.storage,
        uuid.UUID(platform.launcher.launched[-1]),
        limits=MediaLimits.from_settings(platform.settings),
        clock=utc_now,
    )
    expect(status).to_contain_text("Ready.", timeout=10_000)


def reloaded_facts(page: Page) -> str:
    """The device page's facts after a reload (its status is not live; its commands are)."""
    page.reload()
    return page.locator("dl.facts").first.inner_text()


def choose(page: Page, label: str, option_text: str) -> None:
    """Select the option of the `label`led select whose text contains `option_text`."""
    select = page.get_by_label(label)
    value = select.locator("option", has_text=option_text).first.get_attribute("value")
    assert value is not None
    select.select_option(value)


def build_and_publish_playlist(page: Page, platform: Platform, items: list[str]) -> None:
    page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/playlists")
    page.get_by_label("New playlist").fill("Window offers")
    page.get_by_role("button", name="Create playlist").click()
    expect(page.get_by_role("heading", name="Window offers")).to_be_visible()
    for item in items:
        choose(page, "Ready photo or video", item)
        page.get_by_label(re.compile("Seconds on screen")).fill("3")
        page.get_by_role("button", name="Add to the end").click()
        expect(page.locator("ol.items > li strong", has_text=item)).to_be_visible()
    page.get_by_role("button", name=re.compile("Publish draft")).click()
    expect(page.get_by_text("Published. Screens update on their next check.")).to_be_visible()


WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def schedule_all_week(page: Page, platform: Platform, playlist: str, screen: str) -> None:
    """A slot on the weekly grid, all day every day for the screen, then published (§7)."""
    page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}/schedule")
    page.get_by_role("link", name="Add a slot").click()
    choose(page, "Playlist", playlist)
    choose(page, "Screen or group", f"Screen: {screen}")
    for day in WEEK:
        page.get_by_label(day, exact=True).check()
    page.get_by_label("Starts (venue time)").fill("00:00")
    page.get_by_role("button", name="Add slot").click()
    expect(page.get_by_text("Slot added to the draft.")).to_be_visible()
    monday = page.get_by_role("region", name="Draft, Monday")
    expect(monday.get_by_text(playlist, exact=True)).to_be_visible()  # not the link's hidden name
    page.get_by_role("button", name=re.compile("Publish draft")).click()
    expect(page.get_by_text("Schedule published.")).to_be_visible()


def test_a_manager_runs_a_venue_from_a_phone(
    chromium: Browser, venue_platform: Platform, tmp_path: Path
) -> None:
    platform = venue_platform
    photo = make_jpeg(tmp_path / "burger-deal.jpg", 1280, 720)
    clip = make_mp4(tmp_path / "quiz-night.mp4", width=320, height=180, seconds=2.0)

    with (
        browsers_for(chromium, platform) as open_as,
        headless_player(platform.base_url, tmp_path / "player") as state_file,
    ):
        page = open_as("manager")
        page.set_default_timeout(15_000)

        # Pair: the code the screen shows, typed in.
        page.goto(f"{platform.base_url}/app/")
        page.get_by_role("link", name=re.compile("Fortescue Arms")).click()
        page.get_by_role("link", name="Pair a screen").click()
        page.get_by_label("Code on the screen").fill(pairing_code(state_file))
        page.get_by_label("Name for the screen").fill("Window")
        page.get_by_role("button", name="Pair").click()
        expect(page.get_by_role("heading", name="Window")).to_be_visible()
        device_url = page.url.split("?")[0]  # past "?paired=1"

        # Content: a photo and a video, each to READY; a playlist of both, published.
        upload_and_wait_until_ready(page, platform, photo)
        upload_and_wait_until_ready(page, platform, clip)
        build_and_publish_playlist(page, platform, [photo.name, clip.name])

        # The schedule: the playlist all week on the new screen; its timeline says so.
        schedule_all_week(page, platform, "Window offers", "Window")
        page.goto(f"{device_url}/timeline")
        expect(page.get_by_role("heading", name="What plays when")).to_be_visible()
        expect(page.locator("ol.timeline > li").first).to_contain_text("Window offers")

        # The screen reports it is playing.
        page.goto(device_url)
        wait_for(lambda: "Playing" in reloaded_facts(page), timeout=PLAYER_SECONDS / 1000)

        # Support: a command, and the player's acknowledgement shown without a reload.
        page.get_by_role("button", name="Refresh content").click()
        commands = page.get_by_role("status", name="Recent commands")
        expect(commands).to_contain_text("Refresh content")
        acknowledged = commands.locator('li[data-status="SUCCEEDED"]')
        expect(acknowledged).to_contain_text("Done", timeout=PLAYER_SECONDS)

        # A screenshot (issue 19 item 3): the real player's libVLC picture, shown on the page.
        page.get_by_role("button", name="Take a screenshot").click()
        shot = page.get_by_role("img", name=re.compile("Screenshot of Window"))
        expect(shot).to_be_visible(timeout=PLAYER_SECONDS)
        page.wait_for_function(
            "img => img.complete && img.naturalWidth === 1920", arg=shot.element_handle()
        )

        # Takeover: started, then stopped.
        page.goto(f"{platform.base_url}/app/venues/{platform.demo.fortescue_id}")
        page.get_by_role("link", name="Take over screens").click()
        choose(page, "Published playlist", "Window offers")
        page.get_by_role("button", name="Start takeover now").click()
        expect(page.get_by_text("Takeover started.")).to_be_visible()
        expect(page.get_by_text("playing now")).to_be_visible()
        # It asks first: "no" leaves the takeover running, "yes" stops it.
        questions: list[str] = []

        def say_no(dialog: Dialog) -> None:
            questions.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", say_no)
        page.get_by_role("button", name="Stop takeover").click()
        assert questions == [
            "Stop this takeover now? Screens go back to the schedule on their next check."
        ]
        expect(page.get_by_text("playing now")).to_be_visible()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Stop takeover").click()
        expect(page.get_by_text("Takeover stopped.")).to_be_visible()

    # The player is gone: the alert evaluation (the pipeline's schedule) finds it offline.
    thresholds = AlertThresholds.from_settings(platform.settings)
    with platform.database.unit_of_work() as session:
        evaluate_alerts(session, utc_now() + timedelta(minutes=30), thresholds)
    with browsers_for(chromium, platform) as open_as:
        page = open_as("manager")
        page.goto(f"{platform.base_url}/app/ops")
        board = page.locator("table")
        expect(board.get_by_text(re.compile("device offline: 1")).first).to_be_visible()
        page.get_by_role("link", name="Alerts").first.click()
        expect(page.locator('[data-alert="DEVICE_OFFLINE"]').first).to_be_visible()
        expect(page.get_by_text("Window").first).to_be_visible()
