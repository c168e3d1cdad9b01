"""Login, refresh rotation with reuse detection, logout (§25.2, §25.7, §27.3)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from signage.db.engine import Database
from signage.db.models import AuditEntry, RefreshToken, Tenant, User
from signage.enums import RefreshTokenStatus, TenantStatus, UserStatus
from tests.support.clock import FakeClock
from tests.support.demo import DEMO_PASSWORD, Demo, bearer, login


def audit_actions(database: Database) -> list[str]:
    with database.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_login_returns_tokens_the_user_and_accessible_venues(
    client: TestClient, demo: Demo
) -> None:
    body = login(client, "manager")
    assert body["tokenType"] == "Bearer"
    assert body["expiresInSeconds"] == 15 * 60
    assert body["user"]["userId"] == str(demo.user_ids["manager"])
    assert body["user"]["tenantId"] == str(demo.tenant_id)
    assert body["user"]["venueRoles"] == [
        {"venueId": str(demo.fortescue_id), "role": "VENUE_MANAGER"}
    ]
    assert [v["venueId"] for v in body["venues"]] == [str(demo.fortescue_id)]
    me = client.get("/v1/me", headers=bearer(body["accessToken"]))
    assert me.status_code == 200
    assert me.json()["email"] == "manager@demo.example"


def test_tenant_admin_sees_every_venue_of_its_tenant_only(client: TestClient, demo: Demo) -> None:
    venues = login(client, "admin")["venues"]
    assert {v["venueId"] for v in venues} == {str(demo.fortescue_id), str(demo.badger_id)}
    assert {v["accessRole"] for v in venues} == {"TENANT_ADMIN"}


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient, demo: Demo, database: Database
) -> None:
    wrong = client.post(
        "/v1/auth/login", json={"email": "manager@demo.example", "password": "nope-nope"}
    )
    unknown = client.post(
        "/v1/auth/login", json={"email": "nobody@demo.example", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: {k: v for k, v in r.json().items() if k != "requestId"}  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    with database.sessions() as session:
        failures = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "LOGIN_FAILED").order_by(AuditEntry.id)
        ).all()
    assert [f.details["reason"] for f in failures] == ["wrong password", "unknown email"]
    assert failures[0].tenant_id == demo.tenant_id
    assert failures[1].tenant_id is None
    assert all(str(f.ip_address) == "203.0.113.10" for f in failures)


def test_successful_login_is_audited_with_the_user_as_actor(
    client: TestClient, demo: Demo, database: Database
) -> None:
    login(client, "editor")
    with database.sessions() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "LOGIN_SUCCEEDED"))
    assert entry is not None
    assert entry.actor_id == demo.user_ids["editor"]
    assert entry.tenant_id == demo.tenant_id


def test_disabled_user_and_disabled_tenant_cannot_sign_in(
    client: TestClient, demo: Demo, database: Database
) -> None:
    with database.unit_of_work() as session:
        session.execute(
            update(User)
            .where(User.id == demo.user_ids["viewer"])
            .values(status=UserStatus.DISABLED)
        )
        session.execute(
            update(Tenant)
            .where(Tenant.id == demo.other_tenant_id)
            .values(status=TenantStatus.DISABLED)
        )
    for email in ("viewer@demo.example", "admin@other.example"):
        response = client.post("/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 401


def test_refresh_rotates_and_the_old_token_stops_working(client: TestClient, demo: Demo) -> None:
    first = login(client, "editor")
    second = client.post("/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refreshToken"] != first["refreshToken"]
    assert client.get("/v1/me", headers=bearer(rotated["accessToken"])).status_code == 200
    third = client.post("/v1/auth/refresh", json={"refreshToken": rotated["refreshToken"]})
    assert third.status_code == 200


def test_reusing_a_rotated_token_revokes_the_whole_family(
    client: TestClient, demo: Demo, database: Database
) -> None:
    first = login(client, "editor")
    second = client.post("/v1/auth/refresh", json={"refreshToken": first["refreshToken"]}).json()
    replay = client.post("/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replay.status_code == 401
    # The thief's replay also kills the legitimate holder's current token.
    after = client.post("/v1/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert after.status_code == 401
    with database.sessions() as session:
        statuses = set(session.scalars(select(RefreshToken.status)))
    assert statuses == {RefreshTokenStatus.REVOKED}
    assert "REFRESH_TOKEN_REUSED" in audit_actions(database)


def test_refresh_is_refused_after_expiry_and_for_disabled_users(
    client: TestClient, demo: Demo, database: Database, clock: FakeClock
) -> None:
    editor = login(client, "editor")
    viewer = login(client, "viewer")
    with database.unit_of_work() as session:
        session.execute(
            update(User)
            .where(User.id == demo.user_ids["viewer"])
            .values(status=UserStatus.DISABLED)
        )
    refused = client.post("/v1/auth/refresh", json={"refreshToken": viewer["refreshToken"]})
    assert refused.status_code == 401
    clock.advance(days=31)
    expired = client.post("/v1/auth/refresh", json={"refreshToken": editor["refreshToken"]})
    assert expired.status_code == 401


def test_refresh_tokens_are_stored_only_as_hashes(
    client: TestClient, demo: Demo, database: Database
) -> None:
    issued = login(client, "editor")["refreshToken"]
    with database.sessions() as session:
        stored = session.scalars(select(RefreshToken.token_hash)).all()
    assert issued not in stored
    assert all(len(h) == 64 for h in stored)


def test_logout_ends_the_session(client: TestClient, demo: Demo, database: Database) -> None:
    tokens = login(client, "editor")
    assert (
        client.post("/v1/auth/logout", json={"refreshToken": tokens["refreshToken"]}).status_code
        == 204
    )
    again = client.post("/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert again.status_code == 401
    assert "LOGOUT" in audit_actions(database)


def test_access_tokens_expire_after_fifteen_minutes(
    client: TestClient, demo: Demo, clock: FakeClock
) -> None:
    headers = bearer(login(client, "editor")["accessToken"])
    clock.advance(minutes=14, seconds=59)
    assert client.get("/v1/me", headers=headers).status_code == 200
    clock.advance(seconds=1)
    assert client.get("/v1/me", headers=headers).status_code == 401
