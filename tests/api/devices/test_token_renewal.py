"""Device tokens rotate (§25.7, issue 15 item 1): a screen keeps working for years, a lost renewal
locks nobody out, and the old token ends once its successor has been used."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.routes.player import TOKEN_RENEWAL_HEADER
from signage.db.models import DeviceAuthToken
from signage.devices.tokens import renewal_due
from signage.enums import DeviceTokenStatus
from tests.support.clock import FakeClock
from tests.support.demo import bearer, login
from tests.support.devices import pair
from tests.support.world import VenueWorld

DAY = timedelta(days=1)


def poll_manifest(client: TestClient, token: str):
    return client.get("/v1/player/manifest", headers=bearer(token))


def use(client: TestClient, token: str, clock: FakeClock) -> int:
    """What a player's command poll a minute later gets with `token`: 200 while it works."""
    clock.advance(minutes=1)  # within §27.1's commands-per-device limit
    return client.get("/v1/player/commands", headers=bearer(token)).status_code


def test_renewal_is_due_only_inside_the_window() -> None:
    end = FakeClock().now
    window = timedelta(days=30)
    assert not renewal_due(end, end - window - timedelta(seconds=1), window)
    assert renewal_due(end, end - window, window)
    assert renewal_due(end, end, window)


def test_a_device_polling_for_800_days_is_never_refused(world: VenueWorld) -> None:
    client, clock = world.client, world.clock
    token = pair(client, world.as_role("manager"), world.demo.fortescue_id).token
    renewals = 0
    for _ in range(160):  # 800 days, a poll every 5 days
        clock.advance(days=5)
        answer = poll_manifest(client, token)
        assert answer.status_code == 200, answer.text
        if renewed := answer.headers.get(TOKEN_RENEWAL_HEADER):
            assert answer.headers["Cache-Control"] == "no-store"
            token, renewals = renewed, renewals + 1
        assert use(client, token, clock) == 200
    assert renewals >= 2


def test_the_old_token_works_until_the_new_one_is_used(world: VenueWorld) -> None:
    client, clock = world.client, world.clock
    old = pair(client, world.as_role("manager"), world.demo.fortescue_id).token
    clock.advance(days=300)
    assert TOKEN_RENEWAL_HEADER not in poll_manifest(client, old).headers
    clock.advance(days=40)  # 25 days left: inside the 30-day window
    lost = poll_manifest(client, old).headers[TOKEN_RENEWAL_HEADER]  # the device loses this one
    assert use(client, old, clock) == 200
    new = poll_manifest(client, old).headers[TOKEN_RENEWAL_HEADER]
    assert use(client, lost, clock) == 401  # an unused successor is replaced, never piled up
    assert use(client, old, clock) == 200  # still valid: the new one has not been used
    assert use(client, new, clock) == 200
    assert use(client, old, clock) == 401  # ended by the successor's first use
    assert TOKEN_RENEWAL_HEADER not in poll_manifest(client, new).headers
    with world.database.sessions() as session:
        active = session.scalar(
            select(func.count())
            .select_from(DeviceAuthToken)
            .where(DeviceAuthToken.status == DeviceTokenStatus.ACTIVE)
        )
    assert active == 1


def test_a_conditional_poll_carries_the_renewal_too(world: VenueWorld) -> None:
    client, clock = world.client, world.clock
    token = pair(client, world.as_role("manager"), world.demo.fortescue_id).token
    clock.advance(days=350)
    etag = poll_manifest(client, token).headers["ETag"]  # its renewal is lost
    answer = client.get("/v1/player/manifest", headers={**bearer(token), "If-None-Match": etag})
    assert answer.status_code == 304
    assert use(client, answer.headers[TOKEN_RENEWAL_HEADER], clock) == 200


@pytest.mark.parametrize("used_successor", [False, True])
def test_removing_the_device_ends_both_tokens(world: VenueWorld, used_successor: bool) -> None:
    client, demo, clock = world.client, world.demo, world.clock
    device = pair(client, world.as_role("manager"), demo.fortescue_id)
    clock.advance(days=340)
    new = poll_manifest(client, device.token).headers[TOKEN_RENEWAL_HEADER]
    if used_successor:
        assert use(client, new, clock) == 200
    removed = client.delete(
        f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}",
        headers=bearer(login(client, "manager")["accessToken"]),  # the first session ended
    )
    assert removed.status_code == 204
    assert use(client, device.token, clock) == 401
    assert use(client, new, clock) == 401
