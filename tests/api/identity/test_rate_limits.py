"""§27.1 rate limits through the API, on the in-process and the Redis backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.app import create_app
from api.ratelimit import TenantLimitOverrides
from signage.config import Settings
from signage.db.engine import Database
from signage.db.models import Tenant
from tests.support.clock import FakeClock
from tests.support.demo import DEMO_PASSWORD, Demo
from tests.support.own_postgres import unreachable_database


def attempt(client: TestClient, email: str, password: str = "wrong-password"):
    return client.post("/v1/auth/login", json={"email": email, "password": password})


def assert_rate_limited(response) -> None:
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "RATE_LIMITED"
    assert body["retryAfterSeconds"] >= 1
    assert response.headers["retry-after"] == str(body["retryAfterSeconds"])
    assert response.headers["x-ratelimit-remaining"] == "0"


def test_login_is_limited_to_ten_per_minute_per_ip(client: TestClient, demo: Demo) -> None:
    emails = [f"someone{i}@demo.example" for i in range(11)]
    answers = [attempt(client, email) for email in emails]
    assert [a.status_code for a in answers[:10]] == [401] * 10
    assert_rate_limited(answers[10])


def test_login_is_limited_to_five_per_minute_per_account(
    client: TestClient, demo: Demo, clock: FakeClock
) -> None:
    for _ in range(5):
        assert attempt(client, "manager@demo.example").status_code == 401
    # Even the right password waits: the account is being guessed at.
    assert_rate_limited(attempt(client, "manager@demo.example", DEMO_PASSWORD))
    clock.advance(minutes=1)
    assert attempt(client, "manager@demo.example", DEMO_PASSWORD).status_code == 200


def test_every_limited_response_carries_the_headers(
    client: TestClient, demo: Demo, as_role
) -> None:
    ok = client.get("/v1/me", headers=as_role("admin"))
    missing = client.get(
        f"/v1/tenants/{demo.tenant_id}/venues/{uuid.uuid4()}", headers=as_role("admin")
    )
    for response in (ok, missing):
        assert int(response.headers["x-ratelimit-limit"]) > 0
        assert int(response.headers["x-ratelimit-remaining"]) >= 0
        assert int(response.headers["x-ratelimit-reset"]) > 0
    assert missing.status_code == 404


def test_refresh_is_limited_to_thirty_per_hour_per_user(client: TestClient, demo: Demo) -> None:
    refresh_token = client.post(
        "/v1/auth/login", json={"email": "editor@demo.example", "password": DEMO_PASSWORD}
    ).json()["refreshToken"]
    for _ in range(30):
        response = client.post("/v1/auth/refresh", json={"refreshToken": refresh_token})
        assert response.status_code == 200
        refresh_token = response.json()["refreshToken"]
    assert_rate_limited(client.post("/v1/auth/refresh", json={"refreshToken": refresh_token}))


def test_tenant_override_changes_the_mutation_limit(
    client: TestClient, demo: Demo, database: Database, as_role
) -> None:
    with database.unit_of_work() as session:
        session.execute(
            update(Tenant)
            .where(Tenant.id == demo.tenant_id)
            .values(rate_limit_overrides={"mutationPerTenant": {"requests": 2}})
        )
    url = f"/v1/tenants/{demo.tenant_id}/venues"
    body = {"name": "Pop-up", "timezone": "Europe/London"}
    statuses = [
        client.post(url, json={**body, "name": f"Pop-up {i}"}, headers=as_role("admin")).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]


def test_unreadable_overrides_fall_back_to_the_last_known_then_the_defaults(
    demo: Demo, database: Database
) -> None:
    """Issue 13 item 4: counting a request must not fail it when the database is down."""
    mine = {"mutationPerTenant": {"requests": 2}}
    set_overrides(database, demo.tenant_id, mine)
    overrides = TenantLimitOverrides()
    start = datetime(2026, 6, 15, 12, tzinfo=UTC)
    assert overrides.get(database, demo.tenant_id, start) == mine
    later = start + timedelta(minutes=2)  # the cached minute is over
    with unreachable_database() as down:
        assert overrides.get(down, demo.tenant_id, later) == mine
        assert overrides.get(down, demo.other_tenant_id, later) == {}  # never read: defaults
    set_overrides(database, demo.tenant_id, {})
    assert overrides.get(database, demo.tenant_id, later + timedelta(seconds=1)) == mine
    assert overrides.get(database, demo.tenant_id, later + timedelta(seconds=6)) == {}  # re-read


def set_overrides(database: Database, tenant_id: uuid.UUID, overrides: dict) -> None:
    with database.unit_of_work() as session:
        session.execute(
            update(Tenant).where(Tenant.id == tenant_id).values(rate_limit_overrides=overrides)
        )


@pytest.fixture
def redis_settings(settings: Settings, redis_url: str) -> Iterator[Settings]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield settings.model_copy(update={"redis_url": redis_url})
    client.flushdb()


@pytest.mark.redis
def test_two_api_instances_share_one_budget_through_redis(
    redis_settings: Settings, database: Database, clock: FakeClock, demo: Demo
) -> None:
    first = TestClient(
        create_app(redis_settings, database=database, clock=clock),
        raise_server_exceptions=False,
        client=("198.51.100.7", 1),
    )
    second = TestClient(
        create_app(redis_settings, database=database, clock=clock),
        raise_server_exceptions=False,
        client=("198.51.100.7", 2),
    )
    answers = [attempt(first if i % 2 else second, f"x{i}@demo.example") for i in range(11)]
    assert [a.status_code for a in answers[:10]] == [401] * 10
    assert_rate_limited(answers[10])
    # A fresh in-process instance would not have known; Redis made the two agree.
    assert answers[9].headers["x-ratelimit-remaining"] == "0"
