"""Every 428 and every missing value tells a client written to §27 alone what to send and
where to get it (issue 15 item 12): If-Match with the ETag of a named GET, `toVersion`,
`pairingSecret`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.problems import etag_source
from tests.support.content import create_playlist, ready_asset, set_items
from tests.support.demo import Demo
from tests.support.devices import pair, start_pairing
from tests.support.world import Signer


def test_the_etag_comes_from_the_resource_the_change_acts_on() -> None:
    playlist = "/v1/venues/v/playlists/p"
    assert etag_source(playlist) == playlist
    for action in ("publish", "rollback", "items", "reorder"):
        assert etag_source(f"{playlist}/{action}") == playlist
    assert etag_source("/v1/venues/v/scheduleset/slots/s") == "/v1/venues/v/scheduleset"
    assert etag_source("/v1/venues/v/scheduleset/publish") == "/v1/venues/v/scheduleset"
    assert etag_source("/v1/venues/v/devices/d") == "/v1/venues/v/devices/d"


def assert_names_the_get(answer, resource: str) -> None:
    assert answer.status_code == 428
    problem = answer.json()
    assert f"send If-Match with the ETag header from GET {resource}" in problem["detail"]
    assert problem["context"] == {"header": "If-Match", "etagFrom": f"GET {resource}"}


def test_each_428_names_the_header_and_the_get_that_gives_its_value(
    app: FastAPI, client: TestClient, as_role: Signer, demo: Demo
) -> None:
    manager = as_role("manager")
    asset = ready_asset(app, demo.tenant_id, demo.fortescue_id)
    playlists = f"/v1/venues/{demo.fortescue_id}/playlists"
    playlist_id, etag = create_playlist(client, manager, playlists)
    playlist = f"{playlists}/{playlist_id}"
    set_items(client, manager, playlist, etag, [asset.asset_id])
    for method, path, body in [
        ("PATCH", playlist, {"name": "Renamed"}),
        ("POST", f"{playlist}/publish", None),
        ("POST", f"{playlist}/rollback", {"toVersion": 1}),
    ]:
        assert_names_the_get(client.request(method, path, json=body, headers=manager), playlist)
    schedule = f"/v1/venues/{demo.fortescue_id}/scheduleset"
    assert_names_the_get(client.post(f"{schedule}/publish", headers=manager), schedule)
    device = pair(client, manager, demo.fortescue_id)
    device_url = f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}"
    answer = client.patch(device_url, json={"keepAwake": False}, headers=manager)
    assert_names_the_get(answer, device_url)


def test_a_rollback_without_its_version_says_to_send_to_version(
    client: TestClient, as_role: Signer, demo: Demo
) -> None:
    manager = as_role("manager")
    playlists = f"/v1/venues/{demo.fortescue_id}/playlists"
    playlist_id, etag = create_playlist(client, manager, playlists)
    rollback = f"{playlists}/{playlist_id}/rollback"
    headers = {**manager, "If-Match": etag}
    no_version = client.post(rollback, json={}, headers=headers)
    assert no_version.status_code == 422
    assert "Send toVersion: the published version to restore" in no_version.json()["detail"]
    no_body = client.post(rollback, headers=headers)
    assert no_body.status_code == 422
    assert 'Send a JSON body {"toVersion": n}' in no_body.json()["detail"]


def test_pairing_status_without_its_secret_says_where_the_secret_comes_from(
    client: TestClient,
) -> None:
    started = start_pairing(client)
    answer = client.get("/v1/devices/pairing/status", params={"pairingId": started["pairingId"]})
    assert answer.status_code == 422
    assert (
        "Send pairingSecret: the one POST /v1/devices/pairing/start returned"
        in answer.json()["detail"]
    )
