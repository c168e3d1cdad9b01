"""Signing in and out of the web app: cookies kept safely, CSRF on every form (§25.8)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.webapp.renewal import GRACE
from tests.support.demo import DEMO_PASSWORD, Demo
from tests.support.world import VenueWorld
from tests.webapp.web import browser, csrf_of, sign_in, signed_in


def test_anonymous_pages_redirect_to_the_login_page(client: TestClient, demo: Demo) -> None:
    for path in ("/app/", f"/app/venues/{demo.fortescue_id}", "/app/pair"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/app/login?next={path}"


def test_a_scanned_pairing_link_survives_signing_in(client: TestClient, demo: Demo) -> None:
    """A screen's QR opens /app/pair?code=... on a phone that is not signed in yet (§27.7)."""
    response = client.get("/app/pair?code=ABCD-1234", follow_redirects=False)
    assert response.headers["location"] == "/app/login?next=/app/pair%3Fcode%3DABCD-1234"

    login_page = client.get(response.headers["location"]).text
    assert 'name="next" value="/app/pair?code=ABCD-1234"' in login_page
    page = client.post(
        "/app/login",
        data={
            "csrf_token": csrf_of(login_page),
            "email": "manager@demo.example",
            "password": DEMO_PASSWORD,
            "next": "/app/pair?code=ABCD-1234",
        },
    )
    assert 'value="ABCD-1234"' in page.text  # the code field, filled


def test_an_htmx_poll_without_a_session_sends_the_whole_page_to_login(
    client: TestClient, demo: Demo
) -> None:
    page = f"/app/venues/{demo.fortescue_id}"
    response = client.get(
        f"{page}/device-list",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"},
        follow_redirects=False,
    )

    assert response.status_code == 204  # nothing swapped into the fragment
    assert response.headers["HX-Redirect"] == f"/app/login?next={page}"


def test_login_sets_httponly_strict_cookies_and_redirects(client: TestClient, demo: Demo) -> None:
    response = sign_in(client, "manager")

    assert response.status_code == 303
    assert response.headers["location"] == "/app/"
    cookies = response.headers.get_list("set-cookie")
    for name in ("signage_access", "signage_refresh", "signage_csrf"):
        cookie = next(c for c in cookies if c.startswith(f"{name}="))
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Path=/app" in cookie
    assert "token" not in response.headers["location"]


def test_cookies_are_secure_off_localhost(app: FastAPI, demo: Demo) -> None:
    with TestClient(app, base_url="https://signage.example") as remote:
        response = sign_in(remote, "manager")
    assert response.status_code == 303
    assert all("Secure" in c for c in response.headers.get_list("set-cookie"))


def test_the_venue_picker_shows_exactly_the_venues_of_the_user(world: VenueWorld) -> None:
    manager_page = signed_in(world.client, "manager").get("/app/").text
    assert "Fortescue Arms" in manager_page
    assert "Grumpy Badger" not in manager_page  # same tenant, no role there

    admin_page = signed_in(browser(world.app), "admin").get("/app/").text
    assert "Fortescue Arms" in admin_page
    assert "Grumpy Badger" in admin_page
    assert "Other Tavern" not in admin_page  # another tenant's venue is never listed


def test_a_wrong_password_shows_the_form_again_without_a_session(
    client: TestClient, demo: Demo
) -> None:
    response = sign_in(client, "manager", password="not-the-password")

    assert response.status_code == 401
    assert "e-mail or password is not correct" in response.text
    assert not any(c.startswith("signage_access=") for c in response.headers.get_list("set-cookie"))


def test_a_login_without_the_csrf_token_is_refused(client: TestClient, demo: Demo) -> None:
    client.get("/app/login")
    response = client.post(
        "/app/login",
        data={"email": "manager@demo.example", "password": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text


def test_logout_ends_the_session(client: TestClient, demo: Demo) -> None:
    home = signed_in(client, "manager").get("/app/")
    refresh_token = client.cookies.get("signage_refresh")

    response = client.post(
        "/app/logout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/app/login?notice=signed_out"
    assert client.get("/app/", follow_redirects=False).status_code == 303
    refreshed = client.post("/v1/auth/refresh", json={"refreshToken": refresh_token})
    assert refreshed.status_code == 401  # the login itself was ended, not just the cookies


def test_an_expired_access_token_is_renewed_with_the_refresh_cookie(world: VenueWorld) -> None:
    client = world.client
    signed_in(client, "manager")
    first_access = client.cookies.get("signage_access")
    world.clock.advance(minutes=20)  # past the 15-minute access token

    response = client.get("/app/")

    assert response.status_code == 200
    assert "Fortescue Arms" in response.text
    assert client.cookies.get("signage_access") != first_access


def test_pages_are_not_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/app")]


def same_session_elsewhere(app: FastAPI, client: TestClient) -> TestClient:
    """A second request of the same browser sent with the cookies it holds now (a page and its
    htmx poll in flight together): another client carrying copies of those cookies."""
    twin = browser(app)
    for name in ("signage_access", "signage_refresh", "signage_csrf"):
        value = client.cookies.get(name)
        assert value is not None
        twin.cookies.set(name, value, path="/app")
    return twin


def set_cookie_value(response: httpx.Response, name: str) -> str:
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}="))
    return cookie.split(";")[0].split("=", 1)[1]


def test_two_requests_renewing_the_same_expired_token_both_stay_signed_in(
    world: VenueWorld,
) -> None:
    client = world.client
    signed_in(client, "manager")
    world.clock.advance(minutes=20)
    in_flight = same_session_elsewhere(world.app, client)  # sent before the first answer arrived

    first = client.get("/app/", follow_redirects=False)
    second = in_flight.get("/app/", follow_redirects=False)

    assert first.status_code == 200
    assert second.status_code == 200  # not mistaken for refresh-token reuse
    assert set_cookie_value(second, "signage_refresh") == set_cookie_value(
        first, "signage_refresh"
    )  # the same rotated pair, not a second rotation
    refreshed = client.post(
        "/v1/auth/refresh", json={"refreshToken": set_cookie_value(first, "signage_refresh")}
    )
    assert refreshed.status_code == 200  # the login was not revoked


def test_concurrent_renewals_take_turns(world: VenueWorld) -> None:
    client = world.client
    signed_in(client, "manager")
    world.clock.advance(minutes=20)
    twins = [same_session_elsewhere(world.app, client) for _ in range(4)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda c: c.get("/app/", follow_redirects=False), twins))

    assert [a.status_code for a in answers] == [200] * 4
    assert len({set_cookie_value(a, "signage_refresh") for a in answers}) == 1


def test_an_old_refresh_token_after_the_grace_window_is_still_reuse(world: VenueWorld) -> None:
    client, clock = world.client, world.clock
    signed_in(client, "manager")
    clock.advance(minutes=20)
    stolen = same_session_elsewhere(world.app, client)
    renewed = client.get("/app/", follow_redirects=False)
    assert renewed.status_code == 200
    clock.advance(seconds=GRACE.total_seconds() + 1)

    replay = stolen.get("/app/", follow_redirects=False)

    assert replay.status_code == 303  # signed out
    assert replay.headers["location"].startswith("/app/login")
    refreshed = client.post(
        "/v1/auth/refresh", json={"refreshToken": set_cookie_value(renewed, "signage_refresh")}
    )
    assert refreshed.status_code == 401  # reuse revoked the whole login (§25.7)


def post_new_venue(client: TestClient, token: str, name: str) -> httpx.Response:
    return client.post(
        "/app/admin/venues/add",
        data={"csrf_token": token, "name": name, "timezone": "Europe/London"},
        follow_redirects=False,
    )


def plant_csrf_cookie(client: TestClient, value: str) -> None:
    """What an attacker who can write cookies for the site (a sibling subdomain, plain HTTP on
    the way) does: make the CSRF cookie hold a value they know."""
    client.cookies.delete("signage_csrf")
    client.cookies.set("signage_csrf", value, path="/app")


def test_a_cookie_and_field_that_match_but_are_not_the_sessions_are_refused(
    world: VenueWorld,
) -> None:
    """Issue 13 item 10: the CSRF check accepted any cookie value equal to the form field."""
    victim = signed_in(world.client, "admin")
    attacker = signed_in(browser(world.app), "manager")
    attackers_own = csrf_of(attacker.get("/app/").text)  # valid, for the attacker's session

    for planted in ("chosen-by-the-attacker", attackers_own):
        plant_csrf_cookie(victim, planted)
        assert post_new_venue(victim, planted, "Planted Bar").status_code == 403
    assert "Planted Bar" not in victim.get("/app/admin/venues").text


def test_a_csrf_token_of_another_login_of_the_same_user_is_refused(world: VenueWorld) -> None:
    first = signed_in(world.client, "admin")
    second = signed_in(browser(world.app), "admin")
    token_of_first = csrf_of(first.get("/app/").text)

    assert post_new_venue(second, token_of_first, "Elsewhere Bar").status_code == 403
    assert post_new_venue(first, token_of_first, "Own Bar").status_code == 303


def test_the_sessions_csrf_token_outlives_access_token_renewal(world: VenueWorld) -> None:
    admin = signed_in(world.client, "admin")
    token = csrf_of(admin.get("/app/").text)
    world.clock.advance(minutes=20)  # the form was left open past the 15-minute access token

    assert post_new_venue(admin, token, "Patient Bar").status_code == 303
    assert csrf_of(admin.get("/app/").text) == token  # same login, same token
