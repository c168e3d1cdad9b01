"""The live platform and Chromium helpers the browser tests import (never from a conftest):
`Platform`, `live_platform`, `browsers_for`, `sign_in`, the viewports."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    StorageState,
    ViewportSize,
)
from pydantic import SecretStr
from sqlalchemy import select

from api.app import create_app
from signage.config import Environment, Settings
from signage.db.engine import Database
from signage.db.models import Asset, User
from signage.storage.base import utc_now
from signage.tenancy.demo_content import seed_demo_content
from tests.support import postgres
from tests.support.content import create_playlist, set_items
from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS, Demo, bearer, login
from tests.support.demo import seed as seed_demo
from tests.support.live import serve
from tests.support.redis_server import free_port
from tests.support.uploads import IngestionAnnouncements

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
    launcher: IngestionAnnouncements
    # role -> (access token, the user's session epoch when it was issued)
    tokens: dict[str, tuple[str, int]] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        """A bearer token of `role`, signed in again once a sign-out in a browser test (which
        ends all the user's access tokens) has revoked the one kept, whatever the test order."""
        epoch = self._session_epoch(role)
        kept = self.tokens.get(role)
        if kept is None or kept[1] != epoch:
            kept = (login(self.api, role)["accessToken"], epoch)
            self.tokens[role] = kept
        return bearer(kept[0])

    def _session_epoch(self, role: str) -> int:
        with self.database.sessions() as session:
            return session.get_one(User, self.demo.user_ids[role]).session_epoch

    def forget(self, role: str) -> None:
        """Signing out ends every access token of the user (sessions.logout): the tokens and
        signed-in browser states kept for `role` by earlier tests are dropped with it, so later
        tests sign in afresh."""
        self.tokens.pop(role, None)
        _states.pop((self.base_url, role), None)

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
    pg_admin_url: str,
    pg_template: str,
    data_dir: Path,
    manifest_poll_seconds: int = 60,
    public_base_url: str | None = None,
    **more_settings: Any,
) -> Iterator[Platform]:
    """A fresh database with the demo tenant and its content, served on a free port; media URLs
    are signed for `public_base_url` (a proxy in front of it) when given; `more_settings` are
    further Settings fields (an SMTP relay, say)."""
    port = free_port()
    for database_url in postgres.fresh_database(pg_admin_url, pg_template):
        settings = Settings(
            environment=Environment.TEST,
            data_dir=data_dir,
            database_url=database_url,
            jwt_secret=SecretStr("test-secret-" + "x" * 40),
            # signed media URLs point here
            public_base_url=public_base_url or f"http://127.0.0.1:{port}",
            manifest_poll_seconds=manifest_poll_seconds,
            **more_settings,
        )
        database = Database.connect(database_url, pool_size=4)
        # No worker: ingestion is run by the test that uploads, for what was announced.
        launcher = IngestionAnnouncements(database_url)
        try:
            app = create_app(settings, database=database)
            demo = seed_demo(database)
            seed_demo_content(database, app.state.context.storage, settings, utc_now)
            with serve(app, port) as base_url:
                api = TestClient(app, raise_server_exceptions=False, client=("203.0.113.20", 1))
                yield Platform(base_url, app, api, demo, settings, database, launcher)
        finally:
            launcher.close()
            database.dispose()


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("no Chromium at /usr/bin/chromium: run scripts/ensure-system-deps.sh as root")


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


def forget_sign_ins(platform: Platform) -> None:
    """Drop the platform's cached cookies and API tokens, so later tests sign in afresh: a
    "Sign out" ends every access token of its user, and a cached cookie whose refresh token
    was since renewed in another context reads as a stolen one (reuse ends the whole login)."""
    for key in [key for key in _states if key[0] == platform.base_url]:
        del _states[key]
    platform.tokens.clear()


def sign_in(page: Page, base_url: str, role: str) -> None:
    page.goto(f"{base_url}/app/login")
    page.get_by_label("E-mail").fill(ROLE_EMAILS[role])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/app/")
