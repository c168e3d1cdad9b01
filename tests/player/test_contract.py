"""The player's own wire models against the server's (DESIGN.md: checked in tests, not shared).

Tests may import the server; the player package never does. Skipped while the API's schemas
cannot be imported.
"""

import uuid
from datetime import UTC, datetime

import pytest

from player.state_machine import PlayerState
from player.wire import Command, PairingStart, PairingStatus, ScreenshotUpload
from tests.player.fake_platform import MediaFault
from tests.player.media import image_bytes

server = pytest.importorskip("api.schemas.player")
devices = pytest.importorskip("api.schemas.devices")


def test_heartbeats_and_event_batches_validate_against_the_server_models(platform, make_player):
    ids = [str(uuid.uuid4()) for _ in range(2)]
    platform.add_media("a.jpg", image_bytes((1, 2, 3)))
    platform.add_media("b.jpg", image_bytes((3, 2, 1)))
    platform.state.media_faults["b.jpg"] = MediaFault("503", remaining=1)
    items = [platform.item(ids[0], "a.jpg", "IMAGE"), platform.item(ids[1], "b.jpg", "IMAGE")]
    platform.publish("e1", items, playlist_id=str(uuid.uuid4()))
    h = make_player()
    h.run_until(lambda: h.player.state is PlayerState.PLAYING)
    platform.network_down()
    h.run(5)
    platform.network_up()
    h.run_until(lambda: "ONLINE_RESTORED" in platform.event_types())
    h.run_until(lambda: any(b["state"] == "PLAYING" for b in platform.state.heartbeats))
    for beat in platform.state.heartbeats:
        server.HeartbeatIn.model_validate(beat)
    events = platform.state.events
    assert len(events) >= 6
    for start in range(0, len(events), 100):
        batch = {"deviceTime": "2026-06-15T12:00:00Z", "events": events[start : start + 100]}
        server.EventBatchIn.model_validate(batch)


def test_pairing_bodies_match_the_server_models():
    devices.PairingStartIn.model_validate(
        {"deviceHardwareId": "vlc-1234", "model": "linux-vlc", "appVersion": "0.1.0"}
    )
    start = devices.PairingStartOut(
        pairing_id=uuid.uuid4(),
        pairing_code="ABCD-1234",
        qr_payload="signage://pair?c=ABCD-1234",
        expires_at_utc=datetime(2026, 6, 15, tzinfo=UTC),
        poll_seconds=3,
        pairing_secret="s",
    ).model_dump(by_alias=True, mode="json")
    assert PairingStart.from_json(start).pairing_code == "ABCD-1234"
    status = devices.PairingStatusOut(
        status="COMPLETED",
        expires_at_utc=datetime(2026, 6, 15, tzinfo=UTC),
        device_id=uuid.uuid4(),
        device_token="t",
    ).model_dump(by_alias=True, mode="json")
    assert PairingStatus.from_json(status).device_token == "t"


def test_command_bodies_match_the_server_models():
    listed = server.PlayerCommandOut(
        command_id=uuid.uuid4(),
        type="ENABLE_DIAGNOSTICS",
        parameters={"durationMinutes": 5},
        issued_at_utc=datetime(2026, 6, 15, tzinfo=UTC),
    ).model_dump(by_alias=True, mode="json")
    assert Command.from_json(listed).parameters == {"durationMinutes": 5}
    server.CommandResultIn.model_validate({"status": "SUCCEEDED", "result": {}, "error": None})


def test_screenshot_upload_bodies_match_the_server_models():
    """Issue 19 item 3: what the player sends and reads around a screenshot's upload."""
    server.ScreenshotUploadIn.model_validate({"sizeBytes": 12345})
    answer = server.ScreenshotUploadOut(
        upload_url="http://media.example/t/screenshots/d/c.jpg?sig=x",
        upload_headers={"Content-Type": "image/jpeg"},
        expires_at_utc=datetime(2026, 6, 15, tzinfo=UTC),
    ).model_dump(by_alias=True, mode="json")
    upload = ScreenshotUpload.from_json(answer)
    assert (upload.upload_method, upload.upload_headers) == ("PUT", {"Content-Type": "image/jpeg"})
