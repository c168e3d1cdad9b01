"""The web player's adapter (`webplayer/` in Debian's Chromium, driven by Playwright): the
player's state is what the page exposes as `window.signagePlayer.state()`.

Chromium is always /usr/bin/chromium (scripts/ensure-system-deps.sh); Playwright's own browser
download is never used. A TV shell allows autoplay with sound, and so does this browser.
"""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from conformance.adapter import PlayerState
from tests.webapp.browser.live import CHROMIUM
from tests.webapp.browser.live import CHROMIUM_ARGS as BROWSER_TEST_ARGS

# The browser tests' flags for this sandbox's closed network, plus a TV's autoplay.
CHROMIUM_ARGS = [*BROWSER_TEST_ARGS, "--autoplay-policy=no-user-gesture-required"]
TV_VIEWPORT = {"width": 1920, "height": 1080}


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


def page_state(page: Page) -> dict[str, Any] | None:
    """The page's exposed state, or None while it boots (or is reloading)."""
    try:
        state = page.evaluate("window.signagePlayer ? window.signagePlayer.state() : null")
    except Exception:  # the page is navigating: no state this instant
        return None
    return state if isinstance(state, dict) else None


class WebPlayerAdapter:
    """Runs the web player in its own browser profile (kept across restarts, like a TV's)."""

    name = "web"

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._url = ""

    def start(self, url: str) -> None:
        if self._playwright is None:
            self._playwright = sync_playwright().start()
            self._browser = launch_chromium(self._playwright)
        assert self._browser is not None
        if self._context is None:
            self._context = self._browser.new_context(viewport=TV_VIEWPORT)  # type: ignore[arg-type]
        self._url = url.rstrip("/") + "/player/"
        self._page = self._context.new_page()
        self._page.goto(self._url)

    def restart(self) -> None:
        """A screen rebooted: the page is loaded again; storage and the Service Worker stay."""
        assert self._page is not None
        try:
            self._page.reload(timeout=15_000)
        except Exception:
            time.sleep(0.5)  # a reload aborted offline still leaves the worker's shell

    def set_offline(self, offline: bool) -> None:
        """Not needed by the scenarios (the proxy takes the network away); for manual runs."""
        assert self._context is not None
        self._context.set_offline(offline)

    def state(self) -> PlayerState:
        assert self._page is not None
        raw = page_state(self._page) or {}
        return PlayerState(
            state=raw.get("state", "BOOT"),
            screen=raw.get("screen", "BLANK"),
            pairing_code=raw.get("pairingCode"),
            manifest_etag=raw.get("manifestEtag"),
            current_asset_id=raw.get("currentAssetId"),
            cached_asset_ids=frozenset(raw.get("cachedAssetIds") or ()),
            raw=raw,
        )

    def stop(self) -> None:
        for closing in (self._context, self._browser):
            if closing is not None:
                closing.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._playwright = self._browser = self._context = self._page = None
