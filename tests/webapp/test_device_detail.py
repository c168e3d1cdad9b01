"""A screen's detail page (§21): commands with the screen's live answers (§18), its status
history (§26.10); the installable app (PWA) and pairing by QR code (§8)."""

from __future__ import annotations

import json
import re
from io import BytesIO

from fastapi.testclient import TestClient
from PIL import Image

from tests.support.demo import Demo
from tests.support.devices import PairedDevice, heartbeat_body, pair
from tests.support.world import VenueWorld
from tests.webapp.web import browser, post_form, signed_in


def device_url(demo: Demo, device: PairedDevice) -> str:
    return f"/app/venues/{demo.fortescue_id}/devices/{device.device_id}"


def send_refresh(client: TestClient, demo: Demo, device: PairedDevice) -> None:
    url = device_url(demo, device)
    sent = post_form(client, url, f"{url}/commands", type="REQUEST_MANIFEST_REFRESH")
    assert sent.status_code == 303, sent.text


def answer_commands(client: TestClient, device: PairedDevice, answer: dict) -> None:
    """The player's side (§27.8): poll the open commands, report each one's result."""
    polled = client.get("/v1/player/commands", headers=device.headers).json()["items"]
    for command in polled:
        url = f"/v1/player/commands/{command['commandId']}/result"
        assert client.post(url, json=answer, headers=device.headers).status_code == 204


def command_statuses(html: str) -> list[str]:
    return re.findall(r'class="command" id="command-[^"]+" data-status="([A-Z]+)"', html)


def test_the_command_list_shows_the_screen_completing_a_command(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id)
    manager = signed_in(client, "manager")
    send_refresh(manager, demo, screen)
    fragment_url = f"{device_url(demo, screen)}/commands-list"

    waiting = manager.get(fragment_url)
    assert waiting.status_code == 200
    assert command_statuses(waiting.text) == ["PENDING"]
    assert "Waiting for the screen" in waiting.text
    assert "by Morgan Manager" in waiting.text
    assert 'hx-trigger="every 2s"' in waiting.text  # an open command: the quick refresh

    answer_commands(client, screen, {"status": "SUCCEEDED", "result": {"manifestEtag": "e:1"}})
    done = manager.get(fragment_url).text

    assert command_statuses(done) == ["SUCCEEDED"]
    assert "Done" in done
    assert "The screen checked for new content." in done  # the answer in words (issue 19)
    assert re.search(r'data-step="answered">Answered ✓ after \d+ s', done)
    assert 'hx-trigger="every 30s"' in done  # all settled: the slow refresh


def test_a_failed_command_shows_the_screens_reason(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id)
    manager = signed_in(client, "manager")
    send_refresh(manager, demo, screen)

    answer_commands(client, screen, {"status": "FAILED", "error": "Manifest server unreachable"})
    page = manager.get(device_url(demo, screen)).text

    assert command_statuses(page) == ["FAILED"]
    assert "Manifest server unreachable" in page


def test_the_device_page_polls_its_command_list(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id)

    page = signed_in(client, "viewer").get(device_url(demo, screen)).text

    assert 'id="commands" role="status" aria-live="polite"' in page
    assert f'hx-get="{device_url(demo, screen)}/commands-list"' in page
    assert "None yet." in page


def test_a_viewer_sees_the_commands_but_no_command_buttons(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id)
    send_refresh(signed_in(client, "manager"), demo, screen)
    viewer = signed_in(browser(world.app), "viewer")

    page = viewer.get(device_url(demo, screen)).text

    assert command_statuses(page) == ["PENDING"]
    assert 'action="' + device_url(demo, screen) + '/commands"' not in page
    assert "Restart playback" not in page


def test_another_venues_command_list_is_not_found(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id)
    manager = signed_in(client, "manager")

    for venue_id in (demo.badger_id, demo.other_venue_id):
        for part in ("commands-list", "status"):
            url = f"/app/venues/{venue_id}/devices/{screen.device_id}/{part}"
            assert manager.get(url).status_code == 404, (venue_id, part)


def test_the_latest_report_refreshes_itself(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id)
    viewer = signed_in(client, "viewer")
    page = viewer.get(device_url(demo, screen)).text
    assert f'hx-get="{device_url(demo, screen)}/status"' in page
    assert "No report yet" in page

    beat = heartbeat_body(state="ERROR_SCREEN", appVersion="1.3.0")
    client.post("/v1/player/heartbeat", json=beat, headers=screen.headers)
    fragment = viewer.get(f"{device_url(demo, screen)}/status")

    assert fragment.status_code == 200
    assert 'id="device-status"' in fragment.text
    assert "Showing an error" in fragment.text
    assert "1.3.0" in fragment.text


def test_status_history_lists_events_and_state_changes(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id)
    beat = client.post("/v1/player/heartbeat", json=heartbeat_body(), headers=screen.headers)
    assert beat.status_code < 300, beat.text
    world.clock.advance(seconds=60)
    error_beat = heartbeat_body(state="ERROR_SCREEN", appVersion="1.3.0")
    client.post("/v1/player/heartbeat", json=error_beat, headers=screen.headers)
    event = {
        "eventType": "PLAYBACK_FAILED",
        "eventTimeUtc": "2026-06-15T11:58:00Z",
        "severity": "ERROR",
        "payload": {"assetId": "ast_1", "message": "Could not decode <video>"},
    }
    posted = client.post(
        "/v1/player/events",
        json={"deviceTime": "2026-06-15T12:00:00Z", "events": [event]},
        headers=screen.headers,
    )
    assert posted.status_code < 300, posted.text

    page = signed_in(client, "viewer").get(device_url(demo, screen)).text

    assert 'data-event="PLAYBACK_FAILED"' in page
    assert "Playback failed" in page
    assert "Could not decode &lt;video&gt;" in page  # the device's text, escaped
    assert "Playing → <strong>Showing an error</strong>" in page
    assert "App updated 1.2.0 → <strong>1.3.0</strong>" in page


def test_the_manifest_is_served_without_sign_in(client: TestClient) -> None:
    response = client.get("/app/manifest.webmanifest")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text)
    assert manifest["start_url"] == manifest["scope"] == "/app/"
    assert manifest["display"] == "standalone"
    assert (manifest["name"], manifest["short_name"]) == ("Signage Manager", "Signage")
    assert "maskable" in {icon.get("purpose", "any") for icon in manifest["icons"]}
    for icon in manifest["icons"]:
        served = client.get(icon["src"])
        assert served.status_code == 200, icon["src"]
        width, height = Image.open(BytesIO(served.content)).size
        assert f"{width}x{height}" == icon["sizes"]


def test_the_service_worker_is_javascript_and_keeps_only_static_files(client: TestClient) -> None:
    response = client.get("/app/sw.js")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    shell = re.search(r"var SHELL = \[(.*?)\];", response.text, re.S)
    assert shell, "sw.js lists its shell"
    cached = [*re.findall(r'"(/[^"]+)"', shell.group(1)), "/app/static/offline.html"]
    for path in cached:
        assert path.startswith("/app/static/"), path  # never a page or a /v1 answer
        assert client.get(path).status_code == 200, path
    assert "You are offline" in client.get("/app/static/offline.html").text


def test_pages_load_the_worker_from_an_external_script(client: TestClient) -> None:
    page = client.get("/app/login")

    assert '<script src="/app/static/pwa.js" defer></script>' in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'self'
    assert client.get("/app/static/pwa.js").status_code == 200


def test_the_qr_link_fills_the_code_in_and_offers_scanning(client: TestClient, demo: Demo) -> None:
    page = signed_in(client, "manager").get("/app/pair?code=ABCD-1234").text

    assert 'id="code"' in page
    assert 'value="ABCD-1234"' in page
    assert '<button type="button" id="scan-start" hidden>Scan the QR code</button>' in page
    assert '<script src="/app/static/pair-scan.js" defer></script>' in page
    assert client.get("/app/static/pair-scan.js").status_code == 200


def test_the_players_qr_code_opens_the_pair_page_with_its_code(client: TestClient) -> None:
    started = client.post(
        "/v1/devices/pairing/start",
        json={"deviceHardwareId": "hw-qr-test", "model": "NUC13", "appVersion": "1.0.0"},
    ).json()

    assert f"/app/pair?code={started['pairingCode']}&" in started["qrPayload"]
