"""POST /v1/player/heartbeat answered from memory (issue 18 item 2, api.player_fast_path): a
heartbeat of a device whose checks are cached goes to the group commit without the FastAPI
route, and answers as the route does; a body the route would refuse still reaches the route."""

from __future__ import annotations

import uuid

from signage.db.models import DeviceHeartbeat, DeviceStatus
from tests.support.devices import PairedDevice, heartbeat_body, pair
from tests.support.sql_probe import A_SESSION
from tests.support.world import VenueWorld

HEARTBEAT = "/v1/player/heartbeat"


def known_screen(world: VenueWorld) -> PairedDevice:
    """A paired screen whose first heartbeat (the FastAPI route's) cached its checks."""
    client = world.client
    screen = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    assert client.post(HEARTBEAT, json=heartbeat_body(), headers=screen.headers).status_code == 204
    world.clock.advance(seconds=31)
    return screen


def test_a_known_screens_heartbeat_is_stored_without_the_route(
    world: VenueWorld, statements: list[str]
) -> None:
    screen = known_screen(world)
    statements.clear()

    answer = world.client.post(
        HEARTBEAT, json=heartbeat_body(state="ERROR_SCREEN"), headers=screen.headers
    )
    assert answer.status_code == 204
    assert answer.content == b""
    assert A_SESSION not in statements  # no request session, no token lookup
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert answer.headers["X-RateLimit-Remaining"] == "0"  # §27.1: 2 a minute, both counted
    assert answer.headers["X-Request-Id"].startswith("req_")
    with world.database.sessions() as session:
        status = session.get_one(DeviceStatus, uuid.UUID(screen.device_id))
        assert status.state == "ERROR_SCREEN"
        assert status.last_heartbeat_at == world.clock.now
        assert session.query(DeviceHeartbeat).count() == 2


def test_a_body_the_route_refuses_is_refused_by_the_route(world: VenueWorld) -> None:
    """Invalid, dated ahead, or not JSON: the same problem as from the route, nothing stored."""
    client, screen = world.client, known_screen(world)
    for body in (
        heartbeat_body(cache={"usedBytes": "lots"}),
        heartbeat_body(deviceTime="2030-01-01T00:00:00Z"),
    ):
        refused = client.post(HEARTBEAT, json=body, headers=screen.headers)
        assert refused.status_code == 422, body
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert refused.json()["errors"]
    not_json = client.post(
        HEARTBEAT,
        content=b"state=PLAYING",
        headers={**screen.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert not_json.status_code == 422
    with world.database.sessions() as session:
        assert session.query(DeviceHeartbeat).count() == 1


def test_the_third_heartbeat_in_a_minute_is_refused_as_problem_json(
    world: VenueWorld, statements: list[str]
) -> None:
    client, screen = world.client, known_screen(world)
    assert client.post(HEARTBEAT, json=heartbeat_body(), headers=screen.headers).status_code == 204
    statements.clear()

    refused = client.post(HEARTBEAT, json=heartbeat_body(), headers=screen.headers)
    assert statements == []
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) > 0


def test_a_removed_screens_heartbeat_is_refused(world: VenueWorld) -> None:
    client, screen = world.client, known_screen(world)
    removed = client.delete(
        f"/v1/venues/{world.demo.fortescue_id}/devices/{screen.device_id}",
        headers=world.as_role("manager"),
    )
    assert removed.status_code == 204
    refused = client.post(HEARTBEAT, json=heartbeat_body(), headers=screen.headers)
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
