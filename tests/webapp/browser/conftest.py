"""Real-browser fixtures: the platform served by uvicorn on a loopback port with the demo tenant
and its real content seeded, and Debian's Chromium driven by Playwright (no browser download).

One platform per worker process (session scope) keeps the browser tests fast; each test makes
the playlists it changes, so tests do not see each other's edits. The test modules are marked
`browser` (deselect with `-m "not browser"`); they skip when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    StorageState,
    ViewportSize,
    sync_playwright,
)
from pydantic import SecretStr
from sqlalchemy import select

from api.app import create_app
from signage.config import Environment, Settings
from signage.db.engine import Database
from signage.db.models import Asset
from signage.storage.base import utc_now
from signage.tenancy.demo_content import seed_demo_content
from tests.support import postgres
from tests.support.content import create_playlist, set_items
from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS, Demo, bearer, login
from tests.support.demo import seed as seed_demo
from tests.support.live import serve
from tests.support.redis_server import free_port
from tests.support.uploads import RecordingLauncher

CHROMIUM = Path("/usr/bin/chromium")
# The flags Chromium needs in this sandbox with its closed network (see the machine notes).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@dataclass
class Platform:
    """The live platform: its URL, the app (for setup through /v1 in-process) and the demo."""

    base_url: str
    app: FastAPI
    api: TestClient
    demo: Demo
    settings: Settings
    database: Database
    launcher: RecordingLauncher
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        if role not in self.tokens:
            self.tokens[role] = login(self.api, role)["accessToken"]
        return bearer(self.tokens[role])

    def demo_assets(self) -> list[uuid.UUID]:
        """The demo's three promo cards (READY, ingested from real JPEGs), oldest first."""
        with self.database.sessions() as session:
            rows = session.scalars(
                select(Asset.id)
                .where(Asset.tenant_id == self.demo.tenant_id, Asset.content_type == "image/jpeg")
                .order_by(Asset.created_at, Asset.display_name)
            )
            return list(rows)[:3]

    def venue_playlist(self, name: str) -> str:
        """A new draft playlist at the Fortescue Arms of the three promo cards; its page URL."""
        base = f"/v1/venues/{self.demo.fortescue_id}/playlists"
        playlist_id, etag = create_playlist(self.api, self.headers("editor"), base, name)
        set_items(
            self.api, self.headers("editor"), f"{base}/{playlist_id}", etag, self.demo_assets()
        )
        return f"{self.base_url}/app/venues/{self.demo.fortescue_id}/playlists/{playlist_id}"


@contextmanager
def live_platform(
    pg_admin_url: str, pg_template: str, data_dir: Path, manifest_poll_seconds: int = 60
) -> Iterator[Platform]:
    """A fresh database with the demo tenant and its content, served on a free port."""
    port = free_port()
    for database_url in postgres.fresh_database(pg_admin_url, pg_template):
        settings = Settings(
            environment=Environment.TEST,
            data_dir=data_dir,
            database_url=database_url,
            jwt_secret=SecretStr("test-secret-" + "x" * 40),
            public_base_url=f"http://127.0.0.1:{port}",  # signed media URLs point here
            manifest_poll_seconds=manifest_poll_seconds,
        )
        database = Database.connect(database_url, pool_size=4)
        try:
            app = create_app(settings, database=database)
            launcher = RecordingLauncher()
            app.state.context.launcher = launcher  # ingestion is run by the test that uploads
            demo = seed_demo(database)
            seed_demo_content(database, app.state.context.storage, settings, utc_now)
            with serve(app, port) as base_url:
                api = TestClient(app, raise_server_exceptions=False, client=("203.0.113.20", 1))
                yield Platform(base_url, app, api, demo, settings, database, launcher)
        finally:
            database.dispose()


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("no Chromium at /usr/bin/chromium: run scripts/ensure-system-deps.sh as root")


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


SignIn = Callable[[str], Page]
_states: dict[tuple[str, str], StorageState] = {}


@contextmanager
def browsers_for(
    chromium: Browser, platform: Platform, viewport: ViewportSize = PHONE
) -> Iterator[SignIn]:
    """Opens a browser context (phone-sized unless told) per call, signed in as `role` through
    the login form once per role and platform (the login rate limit is 5 a minute per account);
    the cookies are reused from then on."""
    contexts: list[BrowserContext] = []

    def open_as(role: str) -> Page:
        state = _states.get((platform.base_url, role))
        context = chromium.new_context(viewport=viewport, storage_state=state)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if state is None:
            sign_in(page, platform.base_url, role)
            _states[platform.base_url, role] = context.storage_state()
        return page

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def signed_in_page(chromium: Browser, platform: Platform) -> Iterator[SignIn]:
    with browsers_for(chromium, platform) as open_as:
        yield open_as


def sign_in(page: Page, base_url: str, role: str) -> None:
    page.goto(f"{base_url}/app/login")
    page.get_by_label("E-mail").fill(ROLE_EMAILS[role])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/app/")
