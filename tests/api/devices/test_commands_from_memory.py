"""GET /v1/player/commands answered from memory (issue 18 item 2, api.player_fast_path; §29.6
"optional command caching"): a screen with nothing waiting is told so without a query, in the
route's own words; a command issued here is delivered at the screen's next poll, one written
by another process once the background read (at most a second old) has seen it; revocation,
§27.1's limit and another tenant's screens behave as on the route."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from signage.db.models import DeviceCommand, Tenant
from signage.enums import CommandStatus, CommandType
from tests.support.devices import PairedDevice, pair
from tests.support.world import VenueWorld

COMMANDS = "/v1/player/commands"
MANY = {"commandsPerDevice": {"requests": 1000, "windowSeconds": 60}}


@pytest.fixture
def screen(world: VenueWorld) -> PairedDevice:
    return pair(world.client, world.as_role("manager"), world.demo.fortescue_id)


def lift_limit(world: VenueWorld, tenant_id: uuid.UUID) -> None:
    """Many polls in a test: lift §27.1's 2 a minute (overrides are cached for a minute)."""
    with world.database.unit_of_work() as session:
        session.get_one(Tenant, tenant_id).rate_limit_overrides = MANY
    world.clock.advance(minutes=2)


def answered_from_memory(world: VenueWorld, screen: PairedDevice, statements: list[str]) -> bytes:
    """Polls until a poll runs no SQL (the background read of waiting commands has landed)."""
    deadline = time.monotonic() + 30
    while True:
        statements.clear()
        answer = world.client.get(COMMANDS, headers=screen.headers)
        assert answer.status_code == 200
        if not statements:
            return answer.content
        assert time.monotonic() < deadline, "never answered from memory"
        time.sleep(0.05)


def warm_up(world: VenueWorld, screen: PairedDevice, statements: list[str]) -> None:
    """Limits lifted, the screen's check cached by the route, the waiting commands read."""
    lift_limit(world, world.demo.tenant_id)
    world.client.get(COMMANDS, headers=screen.headers)
    answered_from_memory(world, screen, statements)


def send_refresh(world: VenueWorld, screen: PairedDevice) -> str:
    """A manager sends the screen a command through the API; its id."""
    issued = world.client.post(
        f"/v1/venues/{world.demo.fortescue_id}/devices/{screen.device_id}/commands",
        json={"type": "REQUEST_MANIFEST_REFRESH", "parameters": {}},
        headers=world.as_role("manager"),
    )
    assert issued.status_code == 201
    return str(issued.json()["commandId"])


def test_an_empty_poll_is_answered_from_memory_as_the_route_answers(
    world: VenueWorld, screen: PairedDevice, statements: list[str]
) -> None:
    lift_limit(world, world.demo.tenant_id)
    by_route = world.client.get(COMMANDS, headers=screen.headers)  # caches the token's check
    assert by_route.status_code == 200

    body = answered_from_memory(world, screen, statements)
    assert body == by_route.content
    again = world.client.get(COMMANDS, headers=screen.headers)
    assert statements == []
    assert again.headers["Content-Type"] == by_route.headers["Content-Type"]
    assert again.headers["X-Request-Id"] != by_route.headers["X-Request-Id"]
    assert int(again.headers["X-RateLimit-Remaining"]) < int(
        by_route.headers["X-RateLimit-Remaining"]
    )  # counted, as the route counts


def test_a_command_issued_here_is_delivered_at_the_next_poll(
    world: VenueWorld, screen: PairedDevice, statements: list[str]
) -> None:
    warm_up(world, screen, statements)
    command_id = send_refresh(world, screen)

    polled = world.client.get(COMMANDS, headers=screen.headers).json()
    assert [c["commandId"] for c in polled["items"]] == [command_id]
    with world.database.sessions() as session:
        command = session.get_one(DeviceCommand, uuid.UUID(command_id))
        assert command.status is CommandStatus.DELIVERED


def test_a_command_written_elsewhere_is_delivered_once_the_background_read_sees_it(
    world: VenueWorld, screen: PairedDevice, statements: list[str]
) -> None:
    """Another API process (or a script) queued it: this process learns of it within a second
    or two of its clock, and no poll after that is told "none"."""
    warm_up(world, screen, statements)
    now = world.clock.now
    with world.database.unit_of_work() as session:
        command = DeviceCommand(
            tenant_id=world.demo.tenant_id,
            venue_id=world.demo.fortescue_id,
            device_id=uuid.UUID(screen.device_id),
            type=CommandType.REQUEST_MANIFEST_REFRESH,
            parameters={},
            issued_at=now,
            expires_at=now + timedelta(hours=1),
        )
        session.add(command)
        session.flush()
        command_id = str(command.id)
    world.clock.advance(seconds=1.5)  # past the read's RECHECK, within what may be served

    deadline = time.monotonic() + 30
    while not (items := world.client.get(COMMANDS, headers=screen.headers).json()["items"]):
        assert time.monotonic() < deadline, "the command was never delivered"
        time.sleep(0.05)
    assert [c["commandId"] for c in items] == [command_id]
    world.clock.advance(seconds=5)  # past what may be served without a read: the route
    assert world.client.get(COMMANDS, headers=screen.headers).json()["items"]


def test_a_removed_screen_is_refused_at_its_next_poll(
    world: VenueWorld, screen: PairedDevice, statements: list[str]
) -> None:
    warm_up(world, screen, statements)
    removed = world.client.delete(
        f"/v1/venues/{world.demo.fortescue_id}/devices/{screen.device_id}",
        headers=world.as_role("manager"),
    )
    assert removed.status_code == 204

    refused = world.client.get(COMMANDS, headers=screen.headers)
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"


def test_the_third_poll_in_a_minute_is_refused_from_memory_as_problem_json(
    world: VenueWorld, screen: PairedDevice, statements: list[str]
) -> None:
    """§27.1: 2 a minute per device. The first poll (the route) caches the screen; once the
    background read has landed the second is answered here, and the third refused here."""
    client = world.client
    assert client.get(COMMANDS, headers=screen.headers).status_code == 200
    context = world.app.state.context
    with world.database.sessions() as session:  # what the background read would find
        context.waiting_commands.read(session, world.clock.now)
    statements.clear()
    assert client.get(COMMANDS, headers=screen.headers).status_code == 200
    refused = client.get(COMMANDS, headers=screen.headers)
    assert statements == []
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "RATE_LIMITED"


def test_another_tenants_screen_neither_sees_nor_takes_our_commands(
    world: VenueWorld, screen: PairedDevice, statements: list[str]
) -> None:
    demo = world.demo
    theirs = pair(world.client, world.as_role("other_admin"), demo.other_venue_id)
    lift_limit(world, demo.tenant_id)
    lift_limit(world, demo.other_tenant_id)
    world.client.get(COMMANDS, headers=theirs.headers)
    answered_from_memory(world, theirs, statements)
    command_id = send_refresh(world, screen)

    for _ in range(3):
        assert world.client.get(COMMANDS, headers=theirs.headers).json()["items"] == []
    with world.database.sessions() as session:
        command = session.get_one(DeviceCommand, uuid.UUID(command_id))
        assert command.status is CommandStatus.PENDING  # still ours to deliver
    ours = world.client.get(COMMANDS, headers=screen.headers).json()["items"]
    assert [c["commandId"] for c in ours] == [command_id]


def test_a_request_for_a_page_goes_to_the_route(
    world: VenueWorld, screen: PairedDevice, statements: list[str]
) -> None:
    warm_up(world, screen, statements)
    statements.clear()
    paged = world.client.get(COMMANDS, params={"limit": 5}, headers=screen.headers)
    assert paged.status_code == 200
    assert statements  # the route's own query
