"""Device-token checks are cached (§25.7) yet a revocation is effective on the next request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import event

from api.app import create_app
from signage.config import Settings
from signage.db.engine import Database
from tests.support.clock import FakeClock
from tests.support.demo import Demo, bearer, login
from tests.support.devices import heartbeat_body, pair
from tests.support.world import VenueWorld


@pytest.fixture
def token_lookups(database: Database) -> Iterator[list[str]]:
    """The SQL statements that read device_auth_tokens, as they run."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        if "FROM device_auth_tokens" in statement:
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    yield seen
    event.remove(database.engine, "before_cursor_execute", record)


def test_the_second_request_is_answered_from_the_cache(
    world: VenueWorld, token_lookups: list[str]
) -> None:
    client = world.client
    device = pair(client, world.as_role("manager"), world.demo.fortescue_id)
    for _ in range(2):
        assert (
            client.post(
                "/v1/player/heartbeat", json=heartbeat_body(), headers=device.headers
            ).status_code
            == 204
        )
    assert len(token_lookups) == 1


def test_a_removal_after_caching_still_refuses_the_very_next_request(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    device = pair(client, manager, demo.fortescue_id)
    assert client.get("/v1/player/commands", headers=device.headers).status_code == 200  # cached
    assert (
        client.delete(
            f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}", headers=manager
        ).status_code
        == 204
    )
    assert client.get("/v1/player/commands", headers=device.headers).status_code == 401


@pytest.mark.redis
def test_a_revocation_on_one_replica_is_seen_by_another_at_once(
    settings: Settings, database: Database, clock: FakeClock, demo: Demo, redis_url: str
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    shared = settings.model_copy(update={"redis_url": redis_url})
    first, second = (
        TestClient(
            create_app(shared, database=database, clock=clock),
            raise_server_exceptions=False,
            client=(f"198.51.100.{i}", 1),
        )
        for i in (1, 2)
    )
    manager = bearer(login(first, "manager")["accessToken"])
    device = pair(first, manager, demo.fortescue_id)
    assert second.get("/v1/player/commands", headers=device.headers).status_code == 200
    assert (
        first.delete(
            f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}", headers=manager
        ).status_code
        == 204
    )
    assert second.get("/v1/player/commands", headers=device.headers).status_code == 401
