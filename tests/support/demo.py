"""The demo tenant seeded into a test database, with the ids tests need, and signing in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select

from signage.db.engine import Database
from signage.db.models import Tenant, User, Venue
from signage.tenancy import demo

DEMO_PASSWORD = "demo-password-for-tests"

ROLE_EMAILS = {
    "admin": "admin@demo.example",
    "manager": "manager@demo.example",
    "editor": "editor@demo.example",
    "viewer": "viewer@demo.example",
    "tviewer": "tviewer@demo.example",
    "other_admin": "admin@other.example",
}


@dataclass(frozen=True)
class Demo:
    tenant_id: uuid.UUID
    other_tenant_id: uuid.UUID
    fortescue_id: uuid.UUID  # where manager/editor/viewer hold their roles
    badger_id: uuid.UUID  # same tenant, no venue roles for them
    other_venue_id: uuid.UUID  # another tenant
    user_ids: dict[str, uuid.UUID]


def seed(database: Database) -> Demo:
    with database.unit_of_work() as session:
        demo.seed_demo(session, DEMO_PASSWORD)
    with database.sessions() as session:
        tenants = {t.name: t.id for t in session.scalars(select(Tenant))}
        venues = {v.name: v.id for v in session.scalars(select(Venue))}
        users = {u.email: u.id for u in session.scalars(select(User))}
    return Demo(
        tenant_id=tenants[demo.HOSPITALITY],
        other_tenant_id=tenants[demo.OTHER],
        fortescue_id=venues[demo.FORTESCUE],
        badger_id=venues[demo.GRUMPY_BADGER],
        other_venue_id=venues[demo.OTHER_VENUE],
        user_ids={role: users[email] for role, email in ROLE_EMAILS.items()},
    )


def login(client: TestClient, role: str, password: str = DEMO_PASSWORD) -> dict:
    response = client.post(
        "/v1/auth/login", json={"email": ROLE_EMAILS[role], "password": password}
    )
    assert response.status_code == 200, response.text
    return response.json()


def add_other_tenant_user(
    client: TestClient, admin: dict[str, str], demo: Demo, email: str, password: str
):
    """The other tenant's admin (`admin` are their headers) creates an account for `email`."""
    return client.post(
        f"/v1/tenants/{demo.other_tenant_id}/users",
        json={"email": email, "displayName": "Other Person", "password": password},
        headers=admin,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
