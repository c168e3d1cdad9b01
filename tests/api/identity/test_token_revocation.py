"""Issue 13 item 7: an access token stops working on its very next request once its user is
disabled, changes roles, signs out or has a refresh token reused (the per-user session epoch),
in one process and across two API instances that share Redis."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from signage.auth.tokens import issue_access_token, token_policy
from signage.config import Settings
from signage.db.engine import Database
from tests.support.clock import FakeClock
from tests.support.demo import Demo, bearer, login
from tests.support.own_postgres import unreachable_database

# Each cause: (the client that revokes, the demo, the admin's headers, the victim's tokens).
Revocation = Callable[[TestClient, Demo, dict[str, str], dict], None]


def disable(client: TestClient, demo: Demo, admin: dict[str, str], victim: dict) -> None:
    url = f"/v1/tenants/{demo.tenant_id}/users/{demo.user_ids['manager']}"
    assert client.patch(url, json={"status": "DISABLED"}, headers=admin).status_code == 200


def remove_roles(client: TestClient, demo: Demo, admin: dict[str, str], victim: dict) -> None:
    url = f"/v1/tenants/{demo.tenant_id}/users/{demo.user_ids['manager']}/venue-roles"
    assert client.put(url, json={"venueRoles": []}, headers=admin).status_code == 200


def log_out(client: TestClient, demo: Demo, admin: dict[str, str], victim: dict) -> None:
    answer = client.post("/v1/auth/logout", json={"refreshToken": victim["refreshToken"]})
    assert answer.status_code == 204


def reuse_refresh_token(
    client: TestClient, demo: Demo, admin: dict[str, str], victim: dict
) -> None:
    stolen = victim["refreshToken"]
    assert client.post("/v1/auth/refresh", json={"refreshToken": stolen}).status_code == 200
    assert client.post("/v1/auth/refresh", json={"refreshToken": stolen}).status_code == 401


CAUSES = pytest.mark.parametrize(
    "revoke",
    [disable, remove_roles, log_out, reuse_refresh_token],
    ids=["disabled", "roles-removed", "logged-out", "refresh-token-reused"],
)


def create_playlist(client: TestClient, demo: Demo, headers: dict[str, str], name: str):
    return client.post(
        f"/v1/venues/{demo.fortescue_id}/playlists", json={"name": name}, headers=headers
    )


def assert_token_refused(response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "UNAUTHORIZED"


def check_revocation(
    revoker: TestClient, victim_client: TestClient, demo: Demo, revoke: Revocation
) -> None:
    admin = bearer(login(revoker, "admin")["accessToken"])
    victim = login(victim_client, "manager")
    headers = bearer(victim["accessToken"])
    # The token has been checked (and its check cached) on the instance that will see it next.
    assert create_playlist(victim_client, demo, headers, "Before").status_code == 201
    revoke(revoker, demo, admin, victim)
    assert_token_refused(create_playlist(victim_client, demo, headers, "After"))


@CAUSES
def test_the_old_access_token_is_refused_on_its_next_request(
    client: TestClient, demo: Demo, revoke: Revocation
) -> None:
    check_revocation(client, client, demo, revoke)


def test_other_users_tokens_keep_working_after_a_revocation(
    client: TestClient, demo: Demo, as_role
) -> None:
    editor = as_role("editor")
    assert create_playlist(client, demo, editor, "Editor's").status_code == 201
    disable(client, demo, as_role("admin"), {})
    assert create_playlist(client, demo, editor, "Editor's too").status_code == 201


def test_a_token_refreshed_after_a_role_change_carries_the_new_roles(
    client: TestClient, demo: Demo, as_role
) -> None:
    victim = login(client, "manager")
    remove_roles(client, demo, as_role("admin"), victim)
    renewed = client.post("/v1/auth/refresh", json={"refreshToken": victim["refreshToken"]})
    assert renewed.status_code == 200
    headers = bearer(renewed.json()["accessToken"])
    assert client.get("/v1/me", headers=headers).status_code == 200
    # Signed in again, but no longer a manager of the venue: hidden (§25.5), not unauthenticated.
    assert create_playlist(client, demo, headers, "After").status_code in (403, 404)


def test_an_unreachable_database_is_an_outage_not_a_revoked_token(
    settings: Settings, clock: FakeClock
) -> None:
    """The check lets the database's own error through, for the API to answer 503 with
    Retry-After (item 4), instead of turning an outage into 401s that sign every user out."""
    policy = token_policy(settings)
    token, _ = issue_access_token(
        policy.key,
        user_id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        tenant_roles=frozenset(),
        venue_roles={},
        capabilities=frozenset(),
        session_epoch=0,
        now=clock(),
        lifetime=policy.access_lifetime,
    )
    with (
        unreachable_database() as down,
        TestClient(
            create_app(settings, database=down, clock=clock), raise_server_exceptions=False
        ) as client,
    ):
        response = client.get("/v1/me", headers=bearer(token))
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"
    assert int(response.headers["retry-after"]) > 0


@pytest.fixture
def two_instances(
    settings: Settings, database: Database, clock: FakeClock, redis_url: str
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two API apps (two replicas) sharing the database and one Redis."""
    redis.Redis.from_url(redis_url).flushdb()
    shared = settings.model_copy(update={"redis_url": redis_url})
    clients = [
        TestClient(
            create_app(shared, database=database, clock=clock),
            raise_server_exceptions=False,
            client=(f"198.51.100.{i}", 1),
        )
        for i in (1, 2)
    ]
    yield clients[0], clients[1]
    redis.Redis.from_url(redis_url).flushdb()


@pytest.mark.redis
@CAUSES
def test_a_revocation_on_one_replica_refuses_the_token_on_another_at_once(
    two_instances: tuple[TestClient, TestClient], demo: Demo, revoke: Revocation
) -> None:
    first, second = two_instances
    check_revocation(first, second, demo, revoke)
