"""CAPTURE_SCREENSHOT (issue 19 item 3, an extension of §18): the device asks for a signed
upload URL for its own open command, PUTs the JPEG to the media origin and reports; the command
then points to the picture. Nobody else can upload for it or read it (§25.6)."""

from __future__ import annotations

import uuid
from io import BytesIO
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from PIL import Image

from signage.content.cleanup import run_cleanup
from signage.db.models import DeviceCommand
from signage.devices import screenshots
from tests.support.demo import Demo, bearer, login
from tests.support.devices import PairedDevice, pair
from tests.support.world import VenueWorld


def jpeg_bytes(width: int = 320, height: int = 180) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def screenshot_command(client: TestClient, as_role, demo: Demo, device: PairedDevice) -> str:
    made = client.post(
        f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}/commands",
        json={"type": "CAPTURE_SCREENSHOT"},
        headers=as_role("manager"),
    )
    assert made.status_code == 201, made.text
    polled = client.get("/v1/player/commands", headers=device.headers).json()["items"]
    assert [c["type"] for c in polled] == ["CAPTURE_SCREENSHOT"]
    return str(made.json()["commandId"])


def history(client: TestClient, headers: dict, demo: Demo, device: PairedDevice):
    return client.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}/commands", headers=headers
    )


def uploaded_screenshot(client: TestClient, as_role, demo: Demo, device: PairedDevice) -> bytes:
    """A screenshot command answered the way a player does; the picture it uploaded."""
    command_id = screenshot_command(client, as_role, demo, device)
    picture = jpeg_bytes()
    asked = f"/v1/player/commands/{command_id}/screenshot-upload"
    session = client.post(asked, json={"sizeBytes": len(picture)}, headers=device.headers).json()
    client.put(local(session["uploadUrl"]), content=picture, headers=session["uploadHeaders"])
    done = {"status": "SUCCEEDED", "result": {"widthPx": 320, "heightPx": 180}}
    result_url = f"/v1/player/commands/{command_id}/result"
    assert client.post(result_url, json=done, headers=device.headers).status_code == 204
    return picture


def test_a_device_uploads_its_screenshot_and_the_command_points_to_it(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    device = pair(client, as_role("manager"), demo.fortescue_id)
    command_id = screenshot_command(client, as_role, demo, device)
    picture = jpeg_bytes()
    result_url = f"/v1/player/commands/{command_id}/result"
    done = {"status": "SUCCEEDED", "result": {"widthPx": 320, "heightPx": 180}}
    early = client.post(result_url, json=done, headers=device.headers)
    assert early.status_code == 422  # success needs the picture first

    upload = client.post(
        f"/v1/player/commands/{command_id}/screenshot-upload",
        json={"sizeBytes": len(picture)},
        headers=device.headers,
    )
    assert upload.status_code == 201, upload.text
    session = upload.json()
    assert session["uploadHeaders"] == {"Content-Type": "image/jpeg"}
    put = client.put(local(session["uploadUrl"]), content=picture, headers=session["uploadHeaders"])
    assert put.status_code in (200, 201, 204), put.text
    assert client.post(result_url, json=done, headers=device.headers).status_code == 204

    [shown] = history(client, as_role("viewer"), demo, device).json()["items"]
    assert shown["status"] == "SUCCEEDED"
    fetched = client.get(local(shown["screenshotUrl"]))
    assert fetched.status_code == 200
    assert fetched.content == picture
    assert fetched.headers["content-type"] == "image/jpeg"


def test_only_the_commands_own_device_and_venue_reach_the_screenshot(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    device = pair(client, as_role("manager"), demo.fortescue_id)
    other_screen = pair(client, as_role("other_admin"), demo.other_venue_id, name="Theirs")
    command_id = screenshot_command(client, as_role, demo, device)
    asked = f"/v1/player/commands/{command_id}/screenshot-upload"

    stranger = client.post(asked, json={"sizeBytes": 100}, headers=other_screen.headers)
    assert stranger.status_code == 404  # another tenant's device: not found, nothing signed
    refresh = client.post(
        f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}/commands",
        json={"type": "REQUEST_MANIFEST_REFRESH"},
        headers=as_role("manager"),
    ).json()["commandId"]
    not_a_screenshot = client.post(
        f"/v1/player/commands/{refresh}/screenshot-upload",
        json={"sizeBytes": 100},
        headers=device.headers,
    )
    assert not_a_screenshot.status_code == 404
    too_big = client.post(asked, json={"sizeBytes": 11 * 1024 * 1024}, headers=device.headers)
    assert too_big.status_code == 422
    assert history(client, as_role("other_admin"), demo, device).status_code == 404
    answered = {"status": "FAILED", "error": "no picture on screen"}
    client.post(f"/v1/player/commands/{command_id}/result", json=answered, headers=device.headers)
    late = client.post(asked, json={"sizeBytes": 100}, headers=device.headers)
    assert late.status_code == 409  # answered: no more uploads
    [failed, *_] = [
        c
        for c in history(client, as_role("manager"), demo, device).json()["items"]
        if c["commandId"] == command_id
    ]
    assert failed["screenshotUrl"] is None


def signed_in_again(client: TestClient) -> dict[str, str]:
    """Days later the manager's access token has ended: a fresh sign-in."""
    return bearer(login(client, "manager")["accessToken"])


def test_screenshots_are_deleted_after_a_week_by_the_media_cleanup(world: VenueWorld) -> None:
    client, as_role, demo, database, clock = (
        world.client,
        world.as_role,
        world.demo,
        world.database,
        world.clock,
    )
    device = pair(client, as_role("manager"), demo.fortescue_id)
    uploaded_screenshot(client, as_role, demo, device)
    [kept] = history(client, as_role("manager"), demo, device).json()["items"]
    storage = world.app.state.context.storage

    clock.advance(days=6)
    with database.unit_of_work() as session:
        assert run_cleanup(session, storage, clock.now).screenshots_purged == 0
    [still] = history(client, signed_in_again(client), demo, device).json()["items"]
    assert client.get(local(still["screenshotUrl"])).status_code == 200  # freshly signed
    clock.advance(days=1, seconds=1)
    with database.unit_of_work() as session:
        assert run_cleanup(session, storage, clock.now).screenshots_purged == 1
    with database.unit_of_work() as session:
        assert run_cleanup(session, storage, clock.now).screenshots_purged == 0  # once

    [purged] = history(client, signed_in_again(client), demo, device).json()["items"]
    assert purged["screenshotUrl"] is None
    assert purged["result"]["screenshotPurged"] is True
    with database.sessions() as session:
        command = session.get_one(DeviceCommand, uuid.UUID(kept["commandId"]))
        assert storage.head(screenshots.key_of(command)) is None
