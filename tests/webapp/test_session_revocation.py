"""Issue 13 item 7 in the web app: a session whose access token was revoked stops working on
its next request, or goes on with what the user may do now when its login still stands."""

from __future__ import annotations

from tests.support.demo import Demo, bearer, login
from tests.support.world import VenueWorld
from tests.webapp.web import browser, signed_in


def manager_url(demo: Demo) -> str:
    return f"/v1/tenants/{demo.tenant_id}/users/{demo.user_ids['manager']}"


def test_a_disabled_users_session_ends_on_its_next_request(world: VenueWorld) -> None:
    manager = signed_in(browser(world.app), "manager")
    assert manager.get("/app/").status_code == 200
    disabled = world.client.patch(
        manager_url(world.demo), json={"status": "DISABLED"}, headers=world.as_role("admin")
    )
    assert disabled.status_code == 200

    response = manager.get("/app/", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/app/login")


def test_after_losing_its_roles_a_session_goes_on_without_them(world: VenueWorld) -> None:
    manager = signed_in(browser(world.app), "manager")
    assert "Fortescue Arms" in manager.get("/app/").text
    removed = world.client.put(
        f"{manager_url(world.demo)}/venue-roles",
        json={"venueRoles": []},
        headers=world.as_role("admin"),
    )
    assert removed.status_code == 200

    response = manager.get("/app/")

    assert response.status_code == 200
    assert "Fortescue Arms" not in response.text


def test_signing_out_elsewhere_keeps_this_session_signed_in(world: VenueWorld) -> None:
    client = world.client
    manager = signed_in(browser(world.app), "manager")
    old_access = manager.cookies.get("signage_access")
    other_login = login(client, "manager")
    assert client.post("/v1/auth/logout", json={"refreshToken": other_login["refreshToken"]})
    assert client.get("/v1/me", headers=bearer(other_login["accessToken"])).status_code == 401

    response = manager.get("/app/")

    assert response.status_code == 200  # renewed with its own login's refresh token
    assert manager.cookies.get("signage_access") != old_access
