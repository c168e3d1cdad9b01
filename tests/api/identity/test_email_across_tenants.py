"""An e-mail is unique within a tenant, not platform-wide (issue 13 item 10): a tenant admin
cannot learn whether an address has an account in another tenant, and each account signs in."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from signage.db.engine import Database
from signage.db.models import AuditEntry, User
from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS, Demo, add_other_tenant_user

ATTACKER_PASSWORD = "attackers-own-password"


def create_in_other_tenant(client: TestClient, demo: Demo, as_role, email: str):
    return add_other_tenant_user(client, as_role("other_admin"), demo, email, ATTACKER_PASSWORD)


def sign_in(client: TestClient, email: str, password: str, **extra):
    return client.post("/v1/auth/login", json={"email": email, "password": password, **extra})


def test_creating_an_address_another_tenant_uses_answers_as_for_a_new_one(
    client: TestClient, demo: Demo, as_role, database: Database
) -> None:
    taken = create_in_other_tenant(client, demo, as_role, ROLE_EMAILS["manager"].upper())
    fresh = create_in_other_tenant(client, demo, as_role, "nobody@anywhere.example")

    assert (taken.status_code, fresh.status_code) == (201, 201)
    assert taken.json().keys() == fresh.json().keys()
    assert taken.json()["email"] == ROLE_EMAILS["manager"]
    assert taken.json()["tenantRoles"] == fresh.json()["tenantRoles"] == []
    with database.sessions() as session:
        in_victim_tenant = session.scalars(
            select(AuditEntry.action).where(AuditEntry.tenant_id == demo.tenant_id)
        ).all()
    assert "USER_CREATED" not in in_victim_tenant


def test_both_accounts_of_one_address_sign_in_to_their_own_tenant(
    client: TestClient, demo: Demo, as_role
) -> None:
    assert create_in_other_tenant(client, demo, as_role, ROLE_EMAILS["manager"]).status_code == 201

    victim = sign_in(client, ROLE_EMAILS["manager"], DEMO_PASSWORD)
    probe = sign_in(client, ROLE_EMAILS["manager"], ATTACKER_PASSWORD)
    wrong = sign_in(client, ROLE_EMAILS["manager"], "neither-of-the-two")

    assert (victim.status_code, probe.status_code, wrong.status_code) == (200, 200, 401)
    assert victim.json()["user"]["tenantId"] == str(demo.tenant_id)
    assert probe.json()["user"]["tenantId"] == str(demo.other_tenant_id)
    assert victim.json()["user"]["userId"] == str(demo.user_ids["manager"])


def test_a_second_account_with_the_same_address_in_one_tenant_is_409(
    client: TestClient, demo: Demo, as_role
) -> None:
    duplicate = create_in_other_tenant(client, demo, as_role, ROLE_EMAILS["other_admin"].upper())
    assert duplicate.status_code == 409
    assert "in this tenant" in duplicate.json()["detail"]


def test_failed_sign_ins_are_audited_only_against_each_tenants_own_account(
    client: TestClient, demo: Demo, as_role, database: Database
) -> None:
    create_in_other_tenant(client, demo, as_role, ROLE_EMAILS["manager"])
    assert sign_in(client, ROLE_EMAILS["manager"], "neither-of-the-two").status_code == 401
    assert sign_in(client, ROLE_EMAILS["manager"], ATTACKER_PASSWORD).status_code == 200
    with database.sessions() as session:
        failures = session.execute(
            select(AuditEntry.tenant_id, AuditEntry.target_id).where(
                AuditEntry.action == "LOGIN_FAILED"
            )
        ).all()
        probe_id = session.scalar(
            select(User.id).where(
                User.tenant_id == demo.other_tenant_id, User.email == ROLE_EMAILS["manager"]
            )
        )
    # One row in each tenant for its own account; the other tenant's success leaves no trace.
    assert sorted(failures, key=str) == sorted(
        [
            (demo.tenant_id, str(demo.user_ids["manager"])),
            (demo.other_tenant_id, str(probe_id)),
        ],
        key=str,
    )


def test_one_password_opening_accounts_in_two_tenants_asks_which(
    client: TestClient, demo: Demo, as_role
) -> None:
    shared = add_other_tenant_user(
        client, as_role("other_admin"), demo, ROLE_EMAILS["editor"], DEMO_PASSWORD
    )
    assert shared.status_code == 201

    asked = sign_in(client, ROLE_EMAILS["editor"], DEMO_PASSWORD)
    assert asked.status_code == 409
    assert asked.headers["content-type"].startswith("application/problem+json")
    choices = {t["tenantId"] for t in asked.json()["context"]["tenants"]}
    assert choices == {str(demo.tenant_id), str(demo.other_tenant_id)}

    chosen = sign_in(
        client, ROLE_EMAILS["editor"], DEMO_PASSWORD, tenantId=str(demo.other_tenant_id)
    )
    assert chosen.status_code == 200
    assert chosen.json()["user"]["userId"] == shared.json()["userId"]
