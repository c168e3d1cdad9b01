"""Heartbeats and event batches (§27.8.2, §27.8.3): validated, stored once, server-timed."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from signage.db.engine import Database
from signage.db.models import DeviceEvent, DeviceHeartbeat, DeviceStatus
from tests.support.devices import PairedDevice, heartbeat_body, pair
from tests.support.world import VenueWorld


def event(event_type: str = "PLAYBACK_FAILED", **extra) -> dict:
    return {
        "eventType": event_type,
        "eventTimeUtc": "2026-06-15T11:58:00Z",
        "severity": "ERROR",
        "payload": {"assetId": "ast_1", "reason": "DECODE_ERROR", "message": "boom"},
        **extra,
    }


def post_events(client: TestClient, device: PairedDevice, events: list[Any]):
    return client.post(
        "/v1/player/events",
        json={"deviceTime": "2026-06-15T12:00:00Z", "events": events},
        headers=device.headers,
    )


def count(database: Database, model) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_heartbeat_upserts_status_and_appends_history(world: VenueWorld) -> None:
    client, database, clock = world.client, world.database, world.clock
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    client.post("/v1/player/heartbeat", json=heartbeat_body(), headers=device.headers)
    clock.advance(seconds=60)
    client.post(
        "/v1/player/heartbeat", json=heartbeat_body(state="ERROR_SCREEN"), headers=device.headers
    )
    assert count(database, DeviceStatus) == 1
    assert count(database, DeviceHeartbeat) == 2
    with database.sessions() as session:
        status = session.get_one(DeviceStatus, uuid.UUID(device.device_id))
    assert status.state == "ERROR_SCREEN"
    assert status.last_heartbeat_at == clock.now


def test_heartbeat_rejects_wrong_types_and_far_future_times(world: VenueWorld) -> None:
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    missing_state = heartbeat_body()
    del missing_state["state"]
    cases = [
        missing_state,
        heartbeat_body(cache={"usedBytes": "lots"}),
        heartbeat_body(errors={"playbackFailures": -1}),
        heartbeat_body(deviceTime="2030-01-01T00:00:00Z"),
    ]
    for body in cases:
        response = client.post("/v1/player/heartbeat", json=body, headers=device.headers)
        assert response.status_code == 422, body
        assert response.json()["errors"]
    assert count(world.database, DeviceHeartbeat) == 0


def test_heartbeat_without_device_time_is_accepted(world: VenueWorld) -> None:
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    body = heartbeat_body()
    del body["deviceTime"]
    assert client.post("/v1/player/heartbeat", json=body, headers=device.headers).status_code == 204


def test_heartbeats_are_limited_per_device(world: VenueWorld) -> None:
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    statuses = [
        client.post(
            "/v1/player/heartbeat", json=heartbeat_body(), headers=device.headers
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [204, 204, 429]


def test_events_are_stored_and_retries_do_not_duplicate(world: VenueWorld) -> None:
    client, database = world.client, world.database
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    batch = [event(eventId=str(uuid.uuid4())) for _ in range(3)] + [
        event(
            "APP_STARTED",
            severity="INFO",
            payload={"appVersion": "1.2.0"},
            eventId=str(uuid.uuid4()),
        )
    ]
    assert post_events(client, device, batch).status_code == 204
    assert post_events(client, device, batch).status_code == 204  # the retry
    assert count(database, DeviceEvent) == 4
    with database.sessions() as session:
        received = set(session.scalars(select(DeviceEvent.received_at)))
        types = sorted(t.value for t in session.scalars(select(DeviceEvent.event_type)))
    assert len(received) == 1
    assert types == ["APP_STARTED", "PLAYBACK_FAILED", "PLAYBACK_FAILED", "PLAYBACK_FAILED"]


def test_a_batch_of_101_is_refused_whole(world: VenueWorld) -> None:
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    response = post_events(client, device, [event() for _ in range(101)])
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.events"
    assert count(world.database, DeviceEvent) == 0


def test_a_heartbeat_a_newer_player_sends_is_recorded_with_what_is_understood(
    world: VenueWorld,
) -> None:
    """Issue 15 item 4 (§32.4): an unknown state, another client's ids, unknown fields: the
    liveness and everything understood are recorded and the heartbeat kept as sent (was 422)."""
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    body = heartbeat_body(
        state="SCREENSAVER",
        playback={"playlistId": "pl_042", "currentItemIndex": 3},
        network={"connected": True, "type": "CELLULAR_5G"},
        thermal={"celsius": 71},
    )
    response = client.post("/v1/player/heartbeat", json=body, headers=device.headers)
    assert response.status_code == 204, response.text
    with world.database.sessions() as session:
        status = session.get_one(DeviceStatus, uuid.UUID(device.device_id))
        history = session.scalars(select(DeviceHeartbeat)).one()
    assert status.last_heartbeat_at == world.clock.now
    assert (status.state, status.playlist_id, status.network_type) == (None, None, None)
    assert (status.current_item_index, status.network_connected) == (3, True)
    assert history.raw is not None
    assert status.raw == history.raw
    assert history.raw["state"] == "SCREENSAVER"
    assert history.raw["playback"]["playlistId"] == "pl_042"
    assert history.raw["thermal"] == {"celsius": 71}


def test_an_understood_heartbeat_keeps_no_raw_copy(world: VenueWorld) -> None:
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    client.post("/v1/player/heartbeat", json=heartbeat_body(), headers=device.headers)
    with world.database.sessions() as session:
        assert session.scalars(select(DeviceHeartbeat.raw)).one() is None


def test_unknown_event_types_are_stored_and_only_a_broken_event_is_refused(
    world: VenueWorld,
) -> None:
    """Issue 15 item 4 (§27.8.3): a newer Fire TV's new event type, a foreign id and extra fields
    are stored (UNRECOGNIZED, kept as sent); an event without its time is refused alone and named
    in X-Skipped-Events; the rest of the batch is stored (it used to refuse the whole batch)."""
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    broken = event()
    del broken["eventTimeUtc"]
    batch = [
        event(),
        event("HDMI_CEC_STANDBY", eventId="evt_9", firmware="FireOS 8"),
        broken,
        event(severity="CRITICAL"),
    ]
    response = post_events(client, device, batch)
    assert response.status_code == 204, response.text
    skipped = response.headers["x-skipped-events"]
    assert skipped.startswith('2;reason="refused: eventTimeUtc')
    assert "," not in skipped
    with world.database.sessions() as session:
        stored = list(session.scalars(select(DeviceEvent).order_by(DeviceEvent.id)))
    assert [e.event_type.value for e in stored] == [
        "PLAYBACK_FAILED",
        "UNRECOGNIZED",
        "PLAYBACK_FAILED",
    ]
    assert stored[0].raw is None
    assert stored[1].raw is not None
    assert stored[1].raw["eventType"] == "HDMI_CEC_STANDBY"
    assert (stored[1].raw["eventId"], stored[1].raw["firmware"]) == ("evt_9", "FireOS 8")
    assert stored[1].client_event_id is None
    assert stored[2].raw is not None
    assert stored[2].raw["severity"] == "CRITICAL"


def test_a_batch_of_nothing_but_broken_events_is_422_naming_each(world: VenueWorld) -> None:
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    response = post_events(client, device, [{"eventType": "APP_STARTED"}, "not an object"])
    assert response.status_code == 422
    locations = [e["location"] for e in response.json()["errors"]]
    assert locations == ["body.events.0", "body.events.1"]
    assert count(world.database, DeviceEvent) == 0


def test_an_event_dated_days_ahead_is_skipped_alone(world: VenueWorld) -> None:
    """A broken clock's event is refused on its own, named in X-Skipped-Events; the rest of the
    batch is stored (issue 13 item 10: it used to reject the whole batch with 422)."""
    client, database = world.client, world.database
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    batch = [event(), event(eventTimeUtc="2026-06-17T12:00:00Z"), event()]  # the clock: 06-15
    response = post_events(client, device, batch)
    assert response.status_code == 204
    assert response.headers["x-skipped-events"] == (
        '1;reason="eventTimeUtc is more than a day in the future; check the device clock"'
    )
    assert count(database, DeviceEvent) == 2
    with database.sessions() as session:
        times = {t.isoformat() for t in session.scalars(select(DeviceEvent.event_time))}
    assert times == {"2026-06-15T11:58:00+00:00"}


def test_a_batch_without_skipped_events_names_none(world: VenueWorld) -> None:
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    response = post_events(client, device, [event(eventTimeUtc="2026-06-16T11:00:00Z")])
    assert response.status_code == 204  # less than a day ahead: skew, stored
    assert "x-skipped-events" not in response.headers
