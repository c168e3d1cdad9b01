"""The web player (issue 20) in Chromium at 1920x1080 against a live platform: it shows a
pairing code and QR, plays the venue's content once claimed, moves between items holding the
last frame, reports PLAYING by heartbeat, and starts playing again after a reload with the
network gone (the Service Worker's shell, media from Cache Storage)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from conformance.web import TV_VIEWPORT, page_state
from tests.support.demo import bearer, login
from tests.webapp.browser.live import Platform

pytestmark = pytest.mark.browser


def wait_for(page: Page, check: Callable[[dict[str, Any]], bool], timeout: float = 45.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = page_state(page)
        if state and check(state):
            return state
        time.sleep(0.2)
    raise AssertionError(f"timed out; last state {page_state(page)}")


def test_pairs_plays_and_starts_offline_from_its_cache(
    tv_browser: Browser, player_platform: Platform
) -> None:
    context = tv_browser.new_context(viewport=TV_VIEWPORT)  # type: ignore[arg-type]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{player_platform.base_url}/player/")
        pairing = wait_for(page, lambda s: bool(s["pairingCode"]))
        assert page.locator("#slide .code").inner_text() == pairing["pairingCode"]
        assert page.locator("#slide .qr svg").count() == 1
        assert "/app/pair" in page.locator("#slide .instructions").inner_text()
        # A remote's key (no pointer) shows and hides the diagnostics overlay.
        page.keyboard.press("i")
        overlay = page.locator("#diagnostics")
        assert "state       UNREGISTERED / PAIRING" in overlay.inner_text()
        assert pairing["hardwareId"] in overlay.inner_text()
        page.keyboard.press("i")
        assert overlay.is_hidden()

        manager = bearer(login(player_platform.api, "manager")["accessToken"])
        venue = f"/v1/venues/{player_platform.demo.fortescue_id}"
        claimed = player_platform.api.post(
            f"{venue}/devices/pairing/claim",
            json={"pairingCode": pairing["pairingCode"], "name": "Web TV"},
            headers=manager,
        )
        assert claimed.status_code == 201, claimed.text
        playing = wait_for(page, lambda s: s["screen"] == "CONTENT" and bool(s["currentAssetId"]))
        assert playing["state"] == "PLAYING"
        assert playing["manifestEtag"]
        assert page.locator("#slide").is_hidden()
        # Two items later the rotation has moved on through a preloaded layer.
        wait_for(page, lambda s: len(s["gapsMs"]) >= 2, timeout=40)

        device = f"{venue}/devices/{claimed.json()['deviceId']}"

        def reported_playing() -> bool:
            status = player_platform.api.get(device, headers=manager).json().get("status") or {}
            return status.get("state") == "PLAYING"

        deadline = time.monotonic() + 40
        while not reported_playing():
            last = player_platform.api.get(device, headers=manager).json().get("status")
            assert time.monotonic() < deadline, f"no PLAYING heartbeat: {last}, {page_state(page)}"
            time.sleep(0.5)

        context.set_offline(True)
        page.reload()
        offline = wait_for(page, lambda s: s["screen"] == "CONTENT" and bool(s["currentAssetId"]))
        assert offline["state"] == "PLAYING"
        assert offline["connected"] is False or offline["lastSyncUtc"] is None
        assert not errors
    finally:
        context.close()


def test_the_player_is_served_as_static_files_with_revalidation(
    player_platform: Platform,
) -> None:
    api = player_platform.api
    page = api.get("/player/")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-cache"
    assert "js/main.js" in page.text
    worker = api.get("/player/sw.js")
    assert worker.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    again = api.get("/player/sw.js", headers={"If-None-Match": worker.headers["etag"]})
    assert again.status_code == 304
    assert api.get("/player", follow_redirects=False).headers["location"] == "/player/"
    assert api.get("/player/tests/policy.test.mjs").status_code == 404
