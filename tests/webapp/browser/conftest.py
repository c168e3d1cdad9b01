"""Real-browser fixtures: the platform served by uvicorn on a loopback port with the demo tenant
and its real content seeded, and Debian's Chromium driven by Playwright (no browser download).

One platform per worker process (session scope) keeps the browser tests fast; each test makes
the playlists it changes, so tests do not see each other's edits. The test modules are marked
`browser` (deselect with `-m "not browser"`); they skip when /usr/bin/chromium is absent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import (
    Browser,
    sync_playwright,
)

from tests.webapp.browser.live import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Platform,
    SignIn,
    browsers_for,
    live_platform,
    require_chromium,
)


@pytest.fixture(scope="session")
def platform(
    pg_admin_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """One live platform per worker, shared by the tests of the app's behaviour."""
    require_chromium()
    data_dir = tmp_path_factory.mktemp("browser") / "var"
    with live_platform(pg_admin_url, pg_template, data_dir) as live:
        yield live


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium; Playwright's own browser download is never used. Module-scoped:
    Playwright's sync API keeps an event loop running on the main thread while it is open,
    which would break `asyncio.run` in whatever test file the worker runs next."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def signed_in_page(chromium: Browser, platform: Platform) -> Iterator[SignIn]:
    with browsers_for(chromium, platform) as open_as:
        yield open_as
