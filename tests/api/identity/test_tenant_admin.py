"""§27.4 tenant administration: venues, users, venue roles, pagination, audit, mass assignment."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from signage.db.engine import Database
from signage.db.models import AuditEntry, VenueEpoch
from tests.support.demo import DEMO_PASSWORD, Demo, bearer


def venues_url(demo: Demo) -> str:
    return f"/v1/tenants/{demo.tenant_id}/venues"


def users_url(demo: Demo) -> str:
    return f"/v1/tenants/{demo.tenant_id}/users"


def new_user(email: str, **extra) -> dict:
    return {"email": email, "displayName": "New Person", "password": "long-enough-pw", **extra}


def test_create_get_and_replace_a_venue(client: TestClient, demo: Demo, as_role) -> None:
    created = client.post(
        venues_url(demo),
        json={
            "name": "The Crown",
            "timezone": "Europe/Dublin",
            "city": "Dublin",
            "countryCode": "ie",
        },
        headers=as_role("admin"),
    )
    assert created.status_code == 201
    venue = created.json()
    assert venue["tenantId"] == str(demo.tenant_id)
    assert venue["countryCode"] == "IE"
    got = client.get(f"{venues_url(demo)}/{venue['venueId']}", headers=as_role("tviewer"))
    assert got.json()["name"] == "The Crown"
    replaced = client.put(
        f"{venues_url(demo)}/{venue['venueId']}",
        json={"name": "The Crown & Anchor", "timezone": "Europe/Dublin"},
        headers=as_role("admin"),
    )
    assert replaced.status_code == 200
    assert replaced.json()["name"] == "The Crown & Anchor"
    assert replaced.json()["city"] is None


def test_venue_timezone_must_be_iana(client: TestClient, demo: Demo, as_role) -> None:
    for bad in ("Mars/Olympus", "GMT+1", "europe/london"):
        response = client.post(
            venues_url(demo), json={"name": "X", "timezone": bad}, headers=as_role("admin")
        )
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["location"] == "body.timezone"


def test_fallback_playlist_must_exist_for_the_venue(
    client: TestClient, demo: Demo, as_role
) -> None:
    response = client.put(
        f"{venues_url(demo)}/{demo.fortescue_id}",
        json={
            "name": "Fortescue Arms",
            "timezone": "Europe/London",
            "fallbackPlaylistId": str(uuid.uuid4()),
        },
        headers=as_role("admin"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.fallbackPlaylistId"


def test_changing_a_venue_timezone_moves_its_manifest_epoch(
    client: TestClient, demo: Demo, database: Database, as_role
) -> None:
    def epoch() -> int:
        with database.sessions() as session:
            return session.get_one(VenueEpoch, demo.fortescue_id).manifest_epoch

    before = epoch()
    client.put(
        f"{venues_url(demo)}/{demo.fortescue_id}",
        json={"name": "Fortescue Arms", "timezone": "Europe/Paris"},
        headers=as_role("admin"),
    )
    assert epoch() == before + 1


def test_venue_lists_page_with_cursors_and_filter(client: TestClient, demo: Demo, as_role) -> None:
    for i in range(5):
        client.post(
            venues_url(demo),
            json={"name": f"Branch {i}", "timezone": "UTC"},
            headers=as_role("admin"),
        )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(venues_url(demo), params=params, headers=as_role("admin")).json()
        seen += [v["name"] for v in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == 7
    filtered = client.get(venues_url(demo), params={"q": "branch 3"}, headers=as_role("admin"))
    assert [v["name"] for v in filtered.json()["items"]] == ["Branch 3"]


def test_bad_cursor_and_limit_are_422(client: TestClient, demo: Demo, as_role) -> None:
    assert (
        client.get(venues_url(demo), params={"cursor": "zzz"}, headers=as_role("admin")).status_code
        == 422
    )
    assert (
        client.get(venues_url(demo), params={"limit": 201}, headers=as_role("admin")).status_code
        == 422
    )


def test_create_a_user_with_venue_roles_who_can_then_sign_in(
    client: TestClient, demo: Demo, as_role
) -> None:
    response = client.post(
        users_url(demo),
        json=new_user(
            "New.Person@Demo.Example",
            venueRoles=[{"venueId": str(demo.badger_id), "role": "VENUE_EDITOR"}],
        ),
        headers=as_role("admin"),
    )
    assert response.status_code == 201
    user = response.json()
    assert user["email"] == "new.person@demo.example"
    assert user["venueRoles"] == [{"venueId": str(demo.badger_id), "role": "VENUE_EDITOR"}]
    login = client.post(
        "/v1/auth/login", json={"email": "new.person@demo.example", "password": "long-enough-pw"}
    )
    assert [v["venueId"] for v in login.json()["venues"]] == [str(demo.badger_id)]


def test_duplicate_email_is_409_and_short_password_422(
    client: TestClient, demo: Demo, as_role
) -> None:
    duplicate = client.post(
        users_url(demo), json=new_user("EDITOR@demo.example"), headers=as_role("admin")
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["location"] == "body.email"
    short = client.post(
        users_url(demo),
        json={**new_user("short@demo.example"), "password": "x"},
        headers=as_role("admin"),
    )
    assert short.status_code == 422


def test_mass_assignment_of_tenant_and_ids_is_refused(
    client: TestClient, demo: Demo, as_role
) -> None:
    smuggled = client.post(
        users_url(demo),
        json=new_user("sneaky@demo.example", tenantId=str(demo.other_tenant_id)),
        headers=as_role("admin"),
    )
    assert smuggled.status_code == 422
    assert any(e["location"] == "body.tenantId" for e in smuggled.json()["errors"])
    also = client.put(
        f"{venues_url(demo)}/{demo.fortescue_id}",
        json={"name": "F", "timezone": "UTC", "tenantId": str(demo.other_tenant_id)},
        headers=as_role("admin"),
    )
    assert also.status_code == 422


def test_admins_cannot_change_their_own_roles_or_status(
    client: TestClient, demo: Demo, as_role
) -> None:
    own = f"{users_url(demo)}/{demo.user_ids['admin']}"
    assert client.patch(own, json={"tenantRoles": []}, headers=as_role("admin")).status_code == 422
    assert (
        client.patch(own, json={"status": "DISABLED"}, headers=as_role("admin")).status_code == 422
    )
    assert (
        client.put(
            f"{own}/venue-roles", json={"venueRoles": []}, headers=as_role("admin")
        ).status_code
        == 422
    )
    renamed = client.patch(own, json={"displayName": "Alex A."}, headers=as_role("admin"))
    assert renamed.status_code == 200


def test_replacing_venue_roles_changes_access_at_next_sign_in(
    client: TestClient, demo: Demo, as_role
) -> None:
    url = f"{users_url(demo)}/{demo.user_ids['editor']}/venue-roles"
    response = client.put(
        url,
        json={"venueRoles": [{"venueId": str(demo.badger_id), "role": "VENUE_MANAGER"}]},
        headers=as_role("admin"),
    )
    assert response.status_code == 200
    login = client.post(
        "/v1/auth/login", json={"email": "editor@demo.example", "password": DEMO_PASSWORD}
    ).json()
    assert login["user"]["venueRoles"] == [
        {"venueId": str(demo.badger_id), "role": "VENUE_MANAGER"}
    ]


def test_venue_roles_into_another_tenants_venue_are_refused(
    client: TestClient, demo: Demo, as_role
) -> None:
    response = client.put(
        f"{users_url(demo)}/{demo.user_ids['editor']}/venue-roles",
        json={"venueRoles": [{"venueId": str(demo.other_venue_id), "role": "VENUE_VIEWER"}]},
        headers=as_role("admin"),
    )
    assert response.status_code == 422


def test_disabling_a_user_ends_their_refresh_tokens(
    client: TestClient, demo: Demo, as_role
) -> None:
    tokens = client.post(
        "/v1/auth/login", json={"email": "viewer@demo.example", "password": DEMO_PASSWORD}
    ).json()
    disabled = client.patch(
        f"{users_url(demo)}/{demo.user_ids['viewer']}",
        json={"status": "DISABLED"},
        headers=as_role("admin"),
    )
    assert disabled.json()["status"] == "DISABLED"
    refresh = client.post("/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refresh.status_code == 401


def test_user_list_filters_by_query_and_status(client: TestClient, demo: Demo, as_role) -> None:
    found = client.get(users_url(demo), params={"q": "manager"}, headers=as_role("admin"))
    assert [u["email"] for u in found.json()["items"]] == ["manager@demo.example"]
    emails = [
        u["email"]
        for u in client.get(
            users_url(demo), params={"status": "ACTIVE"}, headers=as_role("admin")
        ).json()["items"]
    ]
    assert emails == sorted(emails)
    assert "admin@other.example" not in emails


def test_a_tenant_viewer_cannot_list_or_read_the_tenants_users(
    client: TestClient, demo: Demo, as_role
) -> None:
    """E-mails, roles and last sign-in are for tenant admins (§27.4; issue 13 item 10)."""
    viewer = as_role("tviewer")
    listed = client.get(users_url(demo), headers=viewer)
    read = client.get(f"{users_url(demo)}/{demo.user_ids['editor']}", headers=viewer)
    for refused in (listed, read):
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "editor@demo.example" not in refused.text
    venues = client.get(venues_url(demo), headers=viewer)
    assert venues.status_code == 200  # the rest of the read-only tenant view stays (§5)


def test_every_admin_action_is_in_the_audit_trail(
    client: TestClient, demo: Demo, database: Database, as_role
) -> None:
    admin = as_role("admin")
    venue = client.post(
        venues_url(demo), json={"name": "Audited", "timezone": "UTC"}, headers=admin
    ).json()
    client.put(
        f"{venues_url(demo)}/{venue['venueId']}",
        json={"name": "Audited 2", "timezone": "UTC"},
        headers=admin,
    )
    user = client.post(users_url(demo), json=new_user("audited@demo.example"), headers=admin).json()
    client.patch(
        f"{users_url(demo)}/{user['userId']}",
        json={"tenantRoles": ["TENANT_VIEWER"]},
        headers=admin,
    )
    client.put(
        f"{users_url(demo)}/{user['userId']}/venue-roles",
        json={"venueRoles": [{"venueId": str(demo.fortescue_id), "role": "VENUE_VIEWER"}]},
        headers=admin,
    )
    trail = client.get(
        f"/v1/tenants/{demo.tenant_id}/audit", params={"limit": 200}, headers=admin
    ).json()["items"]
    actions = [e["action"] for e in trail]
    for expected in (
        "VENUE_CREATED",
        "VENUE_UPDATED",
        "USER_CREATED",
        "ROLES_CHANGED",
        "USER_UPDATED",
        "LOGIN_SUCCEEDED",
    ):
        assert expected in actions
    assert actions.index("VENUE_CREATED") > actions.index("USER_CREATED")  # newest first
    assert all(
        e["actorId"] == str(demo.user_ids["admin"])
        for e in trail
        if e["action"] != "LOGIN_SUCCEEDED"
    )
    with database.sessions() as session:
        other = session.scalars(
            select(AuditEntry).where(AuditEntry.tenant_id == demo.other_tenant_id)
        ).all()
    assert other == []


def test_audit_is_tenant_scoped(client: TestClient, demo: Demo, as_role) -> None:
    as_role("admin")  # creates a LOGIN_SUCCEEDED row in the demo tenant
    other = client.get(f"/v1/tenants/{demo.other_tenant_id}/audit", headers=as_role("other_admin"))
    assert other.status_code == 200
    assert {e["action"] for e in other.json()["items"]} == {"LOGIN_SUCCEEDED"}
    assert (
        client.get(
            f"/v1/tenants/{demo.tenant_id}/audit", headers=as_role("other_admin")
        ).status_code
        == 404
    )


def test_a_user_with_many_venues_gets_roles_resolved_server_side(
    client: TestClient, demo: Demo, as_role
) -> None:
    admin = as_role("admin")
    venue_ids = [
        client.post(
            venues_url(demo), json={"name": f"Site {i:02}", "timezone": "UTC"}, headers=admin
        ).json()["venueId"]
        for i in range(51)
    ]
    client.put(
        f"{users_url(demo)}/{demo.user_ids['viewer']}/venue-roles",
        json={"venueRoles": [{"venueId": v, "role": "VENUE_VIEWER"} for v in venue_ids]},
        headers=admin,
    )
    token = client.post(
        "/v1/auth/login", json={"email": "viewer@demo.example", "password": DEMO_PASSWORD}
    ).json()["accessToken"]
    import jwt

    assert jwt.decode(token, options={"verify_signature": False})["v_roles"] == "server"
    me = client.get("/v1/me", headers=bearer(token)).json()
    assert len(me["venueRoles"]) == 51
