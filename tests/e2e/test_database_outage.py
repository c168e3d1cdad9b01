"""A database outage under a running API (issue 13, item 4): the server is killed under a real
uvicorn with a screen that already has its manifest, then started again.

During the outage the screen keeps its last good manifest (§31.9); heartbeats, events and
login answer a problem+json 503 with Retry-After (the player backs off and retries, §28.6,
§28.8), the web app's login a 503 page, and /readyz says not ready. Once the database is back
everything answers normally again, without a restart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from signage.config import Environment, Settings
from signage.db import migrate
from signage.db.engine import Database
from signage.manifest.service import DEGRADED_POLL_SECONDS
from tests.support.clock import FakeClock, clear_of_validity_boundary
from tests.support.content import published_playlist, ready_asset
from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS, Demo, bearer
from tests.support.demo import seed as seed_demo
from tests.support.devices import PairedDevice, heartbeat_body, pair
from tests.support.live import serve
from tests.support.own_postgres import OwnPostgres, own_postgres
from tests.webapp.web import sign_in

# §27.1 allows a device 2 manifests and 2 heartbeats a minute: each phase is a minute later.
NEXT_WINDOW_SECONDS = 61


@dataclass
class Platform:
    api: httpx.Client
    postgres: OwnPostgres
    clock: FakeClock
    screen: PairedDevice


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    with own_postgres() as postgres:
        migrate.upgrade(postgres.url)
        seeding = Database.connect(postgres.url, pool_size=1)
        demo = seed_demo(seeding)
        seeding.dispose()
        settings = Settings(
            environment=Environment.TEST,
            data_dir=tmp_path / "var",
            database_url=postgres.url,
            jwt_secret=SecretStr("test-secret-" + "x" * 40),
            public_base_url="http://127.0.0.1",
        )
        clock = FakeClock()
        clear_of_validity_boundary(clock, demo.fortescue_id)  # the ETags compared stay equal
        app = create_app(settings, clock=clock)  # its own engine and pool, as in production
        with (
            serve(app) as base_url,
            httpx.Client(base_url=base_url, timeout=30) as api,
        ):
            manager = bearer(log_in(api).json()["accessToken"])
            screen = pair(api, manager, demo.fortescue_id)  # type: ignore[arg-type]
            publish_a_picture(app, api, manager, demo)
            yield Platform(api, postgres, clock, screen)


def publish_a_picture(app: object, api: httpx.Client, manager: dict[str, str], demo: Demo) -> None:
    asset = ready_asset(app, demo.tenant_id, demo.fortescue_id)  # type: ignore[arg-type]
    base = f"/v1/venues/{demo.fortescue_id}/playlists"
    published_playlist(api, manager, base, [asset.asset_id])  # type: ignore[arg-type]


def log_in(api: httpx.Client) -> httpx.Response:
    credentials = {"email": ROLE_EMAILS["manager"], "password": DEMO_PASSWORD}
    return api.post("/v1/auth/login", json=credentials)


def an_event_batch() -> dict[str, object]:
    event = {
        "eventId": str(uuid.uuid4()),
        "eventType": "APP_STARTED",
        "eventTimeUtc": "2026-06-15T12:00:00Z",
        "severity": "INFO",
        "payload": {"appVersion": "1.0.0"},
    }
    return {"events": [event]}


def heartbeat(platform: Platform) -> httpx.Response:
    body = heartbeat_body()
    del body["deviceTime"]
    return platform.api.post("/v1/player/heartbeat", json=body, headers=platform.screen.headers)


def send_events(platform: Platform) -> httpx.Response:
    headers = platform.screen.headers
    return platform.api.post("/v1/player/events", json=an_event_batch(), headers=headers)


def manifest(platform: Platform) -> httpx.Response:
    return platform.api.get("/v1/player/manifest", headers=platform.screen.headers)


def assert_retry_later(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    problem = response.json()
    assert problem["code"] == "SERVICE_UNAVAILABLE"
    assert problem["retryAfterSeconds"] == int(response.headers["Retry-After"])
    assert "X-Request-Id" in response.headers


@pytest.mark.timeout(120)
def test_an_outage_serves_the_last_good_manifest_and_503s_then_recovers(
    platform: Platform,
) -> None:
    good = manifest(platform)
    assert good.status_code == 200
    assert good.json()["playlist"]["items"], "the screen has something to play"
    assert heartbeat(platform).status_code == 204
    assert send_events(platform).status_code == 204

    platform.clock.advance(seconds=NEXT_WINDOW_SECONDS)  # past every cache's minute, too
    platform.postgres.kill()

    fallback = manifest(platform)
    assert fallback.status_code == 200, fallback.text  # the screen never blanks (§31.9)
    assert fallback.headers["ETag"] == good.headers["ETag"]
    assert fallback.json()["playlist"] == good.json()["playlist"]
    assert fallback.json()["nextCheckSeconds"] == DEGRADED_POLL_SECONDS
    assert_retry_later(heartbeat(platform))
    assert_retry_later(send_events(platform))
    assert_retry_later(log_in(platform.api))
    web_login = sign_in(platform.api, "manager")  # type: ignore[arg-type]
    assert web_login.status_code == 503  # the web app's page, to reload in a moment
    assert int(web_login.headers["Retry-After"]) > 0
    assert platform.api.get("/readyz").status_code == 503

    platform.postgres.start()
    platform.clock.advance(seconds=NEXT_WINDOW_SECONDS)

    assert platform.api.get("/readyz").status_code == 200
    again = manifest(platform)
    assert again.status_code == 200
    assert again.headers["ETag"] == good.headers["ETag"]
    assert heartbeat(platform).status_code == 204
    assert send_events(platform).status_code == 204
    assert log_in(platform.api).status_code == 200
    assert sign_in(platform.api, "manager").status_code == 303  # type: ignore[arg-type]
