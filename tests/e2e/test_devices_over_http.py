"""Pairing, telemetry and a command round trip through the real platform over real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from signage.config import Settings
from signage.db.engine import Database
from tests.support.demo import DEMO_PASSWORD, Demo, bearer
from tests.support.devices import heartbeat_body
from tests.support.live import serve


@pytest.fixture
def api(settings: Settings, database: Database, demo: Demo) -> Iterator[httpx.Client]:
    with (
        serve(create_app(settings, database=database)) as base_url,
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        yield client


def test_a_screen_pairs_reports_and_acknowledges_a_command(api: httpx.Client, demo: Demo) -> None:
    # The screen asks for a code.
    started = api.post(
        "/v1/devices/pairing/start",
        json={"deviceHardwareId": f"hw-{uuid.uuid4().hex}", "model": "Pi 5", "appVersion": "1.0.0"},
    ).json()
    poll = {"pairingId": started["pairingId"], "pairingSecret": started["pairingSecret"]}
    assert api.get("/v1/devices/pairing/status", params=poll).json()["status"] == "PENDING"

    # The manager signs in on a phone and types the code.
    login = api.post(
        "/v1/auth/login", json={"email": "manager@demo.example", "password": DEMO_PASSWORD}
    )
    manager = bearer(login.json()["accessToken"])
    claimed = api.post(
        f"/v1/venues/{demo.fortescue_id}/devices/pairing/claim",
        json={"pairingCode": started["pairingCode"], "name": "Window"},
        headers=manager,
    )
    assert claimed.status_code == 201

    # The screen collects its token and starts reporting.
    done = api.get("/v1/devices/pairing/status", params=poll).json()
    device = bearer(done["deviceToken"])
    body = heartbeat_body()
    del body["deviceTime"]
    assert api.post("/v1/player/heartbeat", json=body, headers=device).status_code == 204
    view = api.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{done['deviceId']}", headers=manager
    ).json()
    assert view["status"]["state"] == "PLAYING"
    assert view["status"]["online"] is True

    # A support command goes down and its result comes back.
    command = api.post(
        f"/v1/venues/{demo.fortescue_id}/devices/{done['deviceId']}/commands",
        json={"type": "REQUEST_MANIFEST_REFRESH"},
        headers=manager,
    ).json()
    polled = api.get("/v1/player/commands", headers=device).json()["items"]
    assert [c["commandId"] for c in polled] == [command["commandId"]]
    acked = api.post(
        f"/v1/player/commands/{command['commandId']}/result",
        json={"status": "SUCCEEDED", "result": {"refreshed": True}},
        headers=device,
    )
    assert acked.status_code == 204
    history = api.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{done['deviceId']}/commands", headers=manager
    ).json()["items"]
    assert history[0]["status"] == "SUCCEEDED"

    # Events carry eventIds, so a retried batch is stored once.
    events = {
        "events": [
            {
                "eventId": str(uuid.uuid4()),
                "eventType": "APP_STARTED",
                "eventTimeUtc": "2026-01-01T00:00:00Z",
                "severity": "INFO",
                "payload": {"appVersion": "1.0.0"},
            }
        ]
    }
    assert api.post("/v1/player/events", json=events, headers=device).status_code == 204
    assert api.post("/v1/player/events", json=events, headers=device).status_code == 204
