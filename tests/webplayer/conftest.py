"""The browser player in Debian's Chromium at a TV's size, against a live platform (the browser
suite's `live_platform`, polling every 10 s). Marked `browser`; skipped without Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from conformance.platform import allow_fast_devices
from conformance.web import launch_chromium
from tests.webapp.browser.live import Platform, live_platform, require_chromium


@pytest.fixture(scope="module")
def tv_browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def player_platform(
    pg_admin_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    require_chromium()
    data_dir: Path = tmp_path_factory.mktemp("webplayer") / "var"
    with live_platform(pg_admin_url, pg_template, data_dir, manifest_poll_seconds=10) as live:
        allow_fast_devices(live.database, live.demo.tenant_id)
        yield live
