"""Pairing a screen through the public API, as a real player and manager would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient

from tests.support.demo import bearer


@dataclass(frozen=True)
class PairedDevice:
    device_id: str
    token: str
    hardware_id: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def start_pairing(client: TestClient, hardware_id: str | None = None) -> dict:
    response = client.post(
        "/v1/devices/pairing/start",
        json={
            "deviceHardwareId": hardware_id or f"hw-{uuid.uuid4().hex[:12]}",
            "model": "NUC13",
            "appVersion": "1.0.0",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def poll_status(client: TestClient, started: dict) -> dict:
    response = client.get(
        "/v1/devices/pairing/status",
        params={"pairingId": started["pairingId"], "pairingSecret": started["pairingSecret"]},
    )
    assert response.status_code == 200, response.text
    return response.json()


def pair(
    client: TestClient,
    manager_headers: dict[str, str],
    venue_id: uuid.UUID | str,
    name: str = "Bar screen",
    hardware_id: str | None = None,
) -> PairedDevice:
    started = start_pairing(client, hardware_id)
    claimed = client.post(
        f"/v1/venues/{venue_id}/devices/pairing/claim",
        json={"pairingCode": started["pairingCode"], "name": name},
        headers=manager_headers,
    )
    assert claimed.status_code == 201, claimed.text
    status = poll_status(client, started)
    assert status["status"] == "COMPLETED"
    hardware = started["qrPayload"].split("hw=")[1]
    return PairedDevice(status["deviceId"], status["deviceToken"], hardware)


def heartbeat_answer(client: TestClient, headers: dict[str, str]) -> int:
    """The status a player's heartbeat gets with these headers: 204 while its token works."""
    beat = client.post("/v1/player/heartbeat", json=heartbeat_body(), headers=headers)
    return beat.status_code


def heartbeat_body(**overrides) -> dict:
    body = {
        "deviceTime": "2026-06-15T11:59:58Z",
        "appVersion": "1.2.0",
        "state": "PLAYING",
        "manifestEtag": "e:ven_01:47",
        "playback": {
            "playlistId": str(uuid.uuid4()),
            "publishedVersion": 3,
            "currentAssetId": str(uuid.uuid4()),
            "currentItemIndex": 0,
            "loopCount": 14,
        },
        "cache": {
            "totalBytes": 2147483648,
            "usedBytes": 524288000,
            "assetCount": 12,
            "pendingDownloads": 1,
        },
        "network": {"connected": True, "type": "ETHERNET", "lastSyncAtUtc": "2026-06-15T11:59:00Z"},
        "errors": {"playbackFailures": 0, "downloadFailures": 2, "manifestFetchFailures": 0},
    }
    body.update(overrides)
    return body
