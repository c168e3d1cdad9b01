"""Remote support commands (§18, §27.6, §27.8): issue, poll, acknowledge, expire."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from signage.db.models import AuditEntry
from tests.support.demo import Demo, bearer, login
from tests.support.devices import PairedDevice, pair
from tests.support.world import VenueWorld


def issue(client: TestClient, headers: dict, demo: Demo, device: PairedDevice, body: dict):
    return client.post(
        f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}/commands",
        json=body,
        headers=headers,
    )


def test_round_trip_issue_poll_acknowledge(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    manager = as_role("manager")
    device = pair(client, manager, demo.fortescue_id)
    first = issue(client, manager, demo, device, {"type": "REQUEST_MANIFEST_REFRESH"})
    assert first.status_code == 201
    assert first.json()["status"] == "PENDING"
    world.clock.advance(seconds=1)
    issue(
        client, manager, demo, device, {"type": "SET_LOG_LEVEL", "parameters": {"level": "debug"}}
    )
    polled = client.get("/v1/player/commands", headers=device.headers).json()["items"]
    assert [c["type"] for c in polled] == ["REQUEST_MANIFEST_REFRESH", "SET_LOG_LEVEL"]
    assert polled[1]["parameters"] == {"level": "DEBUG"}
    command_id = polled[0]["commandId"]
    result_url = f"/v1/player/commands/{command_id}/result"
    ok = {"status": "SUCCEEDED", "result": {"manifestEtag": "e:1"}}
    assert client.post(result_url, json=ok, headers=device.headers).status_code == 204
    assert client.post(result_url, json=ok, headers=device.headers).status_code == 204  # idempotent
    conflicting = client.post(
        result_url, json={"status": "FAILED", "error": "x"}, headers=device.headers
    )
    assert conflicting.status_code == 409
    history = client.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}/commands",
        headers=as_role("viewer"),
    ).json()["items"]
    assert [(c["type"], c["status"]) for c in history] == [
        ("SET_LOG_LEVEL", "DELIVERED"),
        ("REQUEST_MANIFEST_REFRESH", "SUCCEEDED"),
    ]
    assert history[1]["result"] == {"manifestEtag": "e:1"}
    with world.database.sessions() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"COMMAND_ISSUED", "COMMAND_RESULT"} <= actions


def test_unacknowledged_commands_are_delivered_again(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    device = pair(client, as_role("manager"), demo.fortescue_id)
    issue(client, as_role("manager"), demo, device, {"type": "RESTART_PLAYBACK_LOOP"})
    first = client.get("/v1/player/commands", headers=device.headers).json()["items"]
    again = client.get("/v1/player/commands", headers=device.headers).json()["items"]
    assert [c["commandId"] for c in again] == [c["commandId"] for c in first]


def test_parameters_are_checked_per_type(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    device = pair(client, manager, demo.fortescue_id)
    bad: list[dict] = [
        {"type": "SET_LOG_LEVEL"},
        {"type": "SET_LOG_LEVEL", "parameters": {"level": "LOUD"}},
        {"type": "ENABLE_DIAGNOSTICS", "parameters": {"durationMinutes": 0}},
        {"type": "ENABLE_DIAGNOSTICS", "parameters": {"durationMinutes": "ten"}},
        {"type": "CLEAR_CACHE_ALL", "parameters": {"force": True}},
        {"type": "SELF_DESTRUCT"},
    ]
    for body in bad:
        assert issue(client, manager, demo, device, body).status_code == 422, body
    good = issue(
        client,
        manager,
        demo,
        device,
        {"type": "ENABLE_DIAGNOSTICS", "parameters": {"durationMinutes": 30}},
    )
    assert good.status_code == 201


def test_all_seven_command_types_are_accepted(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    device = pair(client, manager, demo.fortescue_id)
    bodies: list[dict] = [
        {"type": t}
        for t in (
            "REQUEST_MANIFEST_REFRESH",
            "RESTART_PLAYBACK_LOOP",
            "CLEAR_CACHE_UNUSED",
            "CLEAR_CACHE_ALL",
            "REBOOT_APP",
        )
    ] + [
        {"type": "SET_LOG_LEVEL", "parameters": {"level": "WARNING"}},
        {"type": "ENABLE_DIAGNOSTICS", "parameters": {"durationMinutes": 15}},
    ]
    for body in bodies:
        assert issue(client, manager, demo, device, body).status_code == 201


def test_a_result_for_another_devices_command_is_404(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    mine = pair(client, manager, demo.fortescue_id, "Mine")
    other = pair(client, manager, demo.fortescue_id, "Other")
    command = issue(client, manager, demo, other, {"type": "REBOOT_APP"}).json()
    response = client.post(
        f"/v1/player/commands/{command['commandId']}/result",
        json={"status": "SUCCEEDED"},
        headers=mine.headers,
    )
    assert response.status_code == 404


def test_commands_expire_after_a_day(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    device = pair(client, manager, demo.fortescue_id)
    command = issue(client, manager, demo, device, {"type": "CLEAR_CACHE_UNUSED"}).json()
    world.clock.advance(hours=24, seconds=1)
    assert client.get("/v1/player/commands", headers=device.headers).json()["items"] == []
    late = client.post(
        f"/v1/player/commands/{command['commandId']}/result",
        json={"status": "SUCCEEDED"},
        headers=device.headers,
    )
    assert late.status_code == 409
    fresh = bearer(login(client, "manager")["accessToken"])  # a day on, the old token expired
    history = client.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}/commands", headers=fresh
    ).json()["items"]
    assert history[0]["status"] == "EXPIRED"


def test_player_routes_refuse_user_tokens(world: VenueWorld) -> None:
    assert (
        world.client.get("/v1/player/commands", headers=world.as_role("admin")).status_code == 401
    )


def test_commands_come_in_cursor_pages(world: VenueWorld) -> None:
    """§27.1 `{items, nextCursor}` (issue 15 item 16); the player reads `items`."""
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    device = pair(client, manager, demo.fortescue_id)
    for kind in ("REQUEST_MANIFEST_REFRESH", "RESTART_PLAYBACK_LOOP"):
        assert issue(client, manager, demo, device, {"type": kind}).status_code == 201
        world.clock.advance(seconds=1)
    first = client.get("/v1/player/commands", params={"limit": 1}, headers=device.headers)
    assert first.status_code == 200
    assert [c["type"] for c in first.json()["items"]] == ["REQUEST_MANIFEST_REFRESH"]
    cursor = first.json()["nextCursor"]
    assert cursor
    rest = client.get("/v1/player/commands", params={"cursor": cursor}, headers=device.headers)
    assert [c["type"] for c in rest.json()["items"]] == ["RESTART_PLAYBACK_LOOP"]
    assert rest.json()["nextCursor"] is None
