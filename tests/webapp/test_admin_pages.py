"""Tenant administration on the web app (§27.4, §5): venues, people and their roles, for tenant
admins; tenant viewers read only; everyone else is refused, and other tenants see nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.content import create_playlist
from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS, Demo, add_other_tenant_user
from tests.support.world import Signer, VenueWorld
from tests.webapp.web import browser, csrf_of, post_form, sign_in, signed_in

ADMIN = "/app/admin"
VENUES = f"{ADMIN}/venues"
USERS = f"{ADMIN}/users"
NEW_PASSWORD = "harbour-lights-2024"


def user_url(demo: Demo, role: str) -> str:
    return f"{USERS}/{demo.user_ids[role]}"


def api_user(client: TestClient, as_role: Signer, demo: Demo, role: str) -> dict[str, Any]:
    url = f"/v1/tenants/{demo.tenant_id}/users/{demo.user_ids[role]}"
    response = client.get(url, headers=as_role("admin"))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def venue_roles_of(user: dict[str, Any]) -> dict[str, str]:
    return {entry["venueId"]: entry["role"] for entry in user["venueRoles"]}


def sign_in_as(client: TestClient, email: str, password: str) -> httpx.Response:
    page = client.get("/app/login")
    data = {"csrf_token": csrf_of(page.text), "email": email, "password": password}
    return client.post("/app/login", data=data, follow_redirects=False)


def add_person(admin: TestClient, **fields: str) -> httpx.Response:
    person = {
        "email": "nia.host@demo.example",
        "display_name": "Nia Host",
        "password": NEW_PASSWORD,
        "venue_id": "",
        "venue_role": "VENUE_VIEWER",
    }
    return post_form(admin, USERS, f"{USERS}/add", **(person | fields))


def test_an_admin_sees_the_tenants_venues_and_people(client: TestClient, demo: Demo) -> None:
    admin = signed_in(client, "admin")
    assert 'href="/app/admin"' in admin.get("/app/").text  # the header's "Admin" link

    overview = admin.get(ADMIN)
    venues = admin.get(VENUES).text
    people = admin.get(USERS).text

    assert overview.status_code == 200
    assert "Tenant administration" in overview.text
    assert f'href="{VENUES}"' in overview.text
    assert f'href="{USERS}"' in overview.text
    assert "Fortescue Arms" in venues
    assert "Grumpy Badger Café" in venues
    assert "Other Tavern" not in venues  # another tenant's (§25.6)
    assert "Add a venue" in venues
    for role in ("admin", "manager", "editor", "viewer", "tviewer"):
        assert ROLE_EMAILS[role] in people
    assert ROLE_EMAILS["other_admin"] not in people
    assert "Fortescue Arms: Manager" in people
    assert "Tenant viewer" in people
    assert "Add a person" in people


def test_an_admin_adds_a_venue_and_it_is_listed(client: TestClient, demo: Demo) -> None:
    admin = signed_in(client, "admin")

    response = post_form(
        admin,
        VENUES,
        f"{VENUES}/add",
        name="Harbour Bar",
        timezone="Europe/Dublin",
        city="Cork",
        country_code="ie",
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{VENUES}?venue_added=1"
    listed = admin.get(response.headers["location"]).text
    assert "Venue added." in listed
    assert "Harbour Bar" in listed
    assert "Europe/Dublin · Cork · IE" in listed
    assert "Harbour Bar" in admin.get("/app/").text  # an admin sees every venue of the tenant


def test_an_admin_renames_a_venue_and_changes_its_timezone(client: TestClient, demo: Demo) -> None:
    admin = signed_in(client, "admin")
    venue_url = f"{VENUES}/{demo.fortescue_id}"
    assert 'value="Europe/London"' in admin.get(venue_url).text

    response = post_form(
        admin, venue_url, f"{venue_url}/save", name="Fortescue & Garden", timezone="Europe/Paris"
    )

    assert response.status_code == 303
    shown = admin.get(response.headers["location"]).text
    assert "Saved." in shown
    assert "<h1>Fortescue &amp; Garden</h1>" in shown
    assert 'value="Europe/Paris"' in shown


def test_an_admin_gives_a_venue_a_fallback_playlist_of_its_own(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    base = f"/v1/venues/{demo.fortescue_id}/playlists"
    playlist_id, _ = create_playlist(client, as_role("editor"), base, "Quiet hours")
    admin = signed_in(client, "admin")
    venue_url = f"{VENUES}/{demo.fortescue_id}"
    assert "Quiet hours" not in admin.get(f"{VENUES}/{demo.badger_id}").text  # not its own

    response = post_form(
        admin,
        venue_url,
        f"{venue_url}/save",
        name="Fortescue Arms",
        timezone="Europe/London",
        fallback_playlist_id=playlist_id,
    )

    assert response.status_code == 303
    assert f'<option value="{playlist_id}" selected>Quiet hours</option>' in (
        admin.get(venue_url).text
    )
    venue = client.get(
        f"/v1/tenants/{demo.tenant_id}/venues/{demo.fortescue_id}", headers=as_role("admin")
    ).json()
    assert venue["fallbackPlaylistId"] == playlist_id


def test_an_added_person_signs_in_and_sees_their_venue(world: VenueWorld) -> None:
    admin = signed_in(world.client, "admin")

    response = add_person(admin, venue_id=str(world.demo.badger_id), venue_role="VENUE_EDITOR")

    assert response.status_code == 303
    listed = admin.get(response.headers["location"]).text
    assert "Person added." in listed
    assert "nia.host@demo.example" in listed
    assert "Grumpy Badger Café: Editor" in listed
    assert NEW_PASSWORD not in listed
    newcomer = browser(world.app)
    assert sign_in_as(newcomer, "Nia.Host@demo.example", NEW_PASSWORD).status_code == 303
    venues = newcomer.get("/app/").text
    assert "Grumpy Badger Café" in venues
    assert "Fortescue Arms" not in venues
    assert newcomer.get(ADMIN).status_code == 403


def test_an_admin_changes_a_persons_venue_roles(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = signed_in(client, "admin")
    page_url = user_url(demo, "viewer")

    response = post_form(
        admin,
        page_url,
        f"{page_url}/venue-roles",
        **{
            f"venue_role_{demo.fortescue_id}": "",
            f"venue_role_{demo.badger_id}": "VENUE_MANAGER",
        },
    )

    assert response.status_code == 303
    assert "Saved." in admin.get(response.headers["location"]).text
    roles = venue_roles_of(api_user(client, world.as_role, demo, "viewer"))
    assert roles == {str(demo.badger_id): "VENUE_MANAGER"}


def test_an_admin_changes_tenant_roles_and_capabilities(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = signed_in(client, "admin")
    page_url = user_url(demo, "editor")
    assert 'name="venue_role_' in admin.get(page_url).text

    response = post_form(
        admin,
        page_url,
        f"{page_url}/save",
        display_name="Sam Senior",
        status="ACTIVE",
        tenant_role_TENANT_VIEWER="on",
        capability_EDIT_SHARED_LIBRARY="on",
    )

    assert response.status_code == 303
    assert "<h1>Sam Senior</h1>" in admin.get(response.headers["location"]).text
    editor = api_user(client, world.as_role, demo, "editor")
    assert editor["displayName"] == "Sam Senior"
    assert editor["tenantRoles"] == ["TENANT_VIEWER"]
    assert editor["capabilities"] == ["EDIT_SHARED_LIBRARY"]
    assert venue_roles_of(editor) == {str(demo.fortescue_id): "VENUE_EDITOR"}  # untouched


def test_a_disabled_person_can_no_longer_sign_in(world: VenueWorld) -> None:
    admin = signed_in(world.client, "admin")
    page_url = user_url(world.demo, "viewer")

    response = post_form(
        admin, page_url, f"{page_url}/save", display_name="Vic Viewer", status="DISABLED"
    )

    assert response.status_code == 303
    assert "Disabled" in admin.get(USERS).text
    assert sign_in(browser(world.app), "viewer").status_code == 401


def test_an_admin_cannot_change_their_own_status_or_roles(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = signed_in(client, "admin")
    own_url = user_url(demo, "admin")
    own_page = admin.get(own_url).text
    assert 'name="status"' not in own_page
    assert 'name="venue_role_' not in own_page
    assert "another tenant admin changes your status and roles" in own_page

    renamed = post_form(admin, own_url, f"{own_url}/save", display_name="Alex Owner")
    disabled = post_form(
        admin, own_url, f"{own_url}/save", display_name="Alex Owner", status="DISABLED"
    )
    demoted = post_form(
        admin, own_url, f"{own_url}/venue-roles", **{f"venue_role_{demo.badger_id}": "VENUE_VIEWER"}
    )

    assert renamed.status_code == 303
    assert disabled.status_code == 422
    assert "You cannot change your own roles or status." in disabled.text
    assert demoted.status_code == 422
    assert "You cannot change your own roles." in demoted.text
    own = api_user(client, world.as_role, demo, "admin")
    assert (own["status"], own["tenantRoles"], own["venueRoles"]) == (
        "ACTIVE",
        ["TENANT_ADMIN"],
        [],
    )


def test_a_tenant_viewer_reads_the_venues_and_changes_nothing(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    viewer = signed_in(client, "tviewer")
    pages = [ADMIN, VENUES, f"{VENUES}/{demo.fortescue_id}"]
    texts = [viewer.get(url) for url in pages]
    assert [page.status_code for page in texts] == [200] * len(pages)
    assert "Fortescue Arms" in texts[1].text
    assert all('action="/app/admin' not in page.text for page in texts)
    assert all("change nothing" in page.text for page in texts)
    assert all(f'href="{USERS}' not in page.text for page in texts)  # no way to the people

    token = csrf_of(texts[0].text)
    posts = {
        f"{VENUES}/add": {"name": "Sneaky", "timezone": "Europe/London"},
        f"{VENUES}/{demo.fortescue_id}/save": {"name": "Sneaky", "timezone": "Europe/London"},
        f"{USERS}/add": {"email": "s@demo.example", "display_name": "S", "password": NEW_PASSWORD},
        f"{user_url(demo, 'editor')}/save": {"display_name": "Sneaky", "status": "DISABLED"},
        f"{user_url(demo, 'editor')}/venue-roles": {f"venue_role_{demo.badger_id}": "VENUE_VIEWER"},
    }
    for action, fields in posts.items():
        refused = viewer.post(action, data={"csrf_token": token, **fields})
        assert refused.status_code == 403, action
        assert "Only your organisation&#39;s administrators can" in refused.text
    editor = api_user(client, world.as_role, demo, "editor")
    assert (editor["displayName"], editor["status"]) == ("Sam Editor", "ACTIVE")
    assert "Sneaky" not in viewer.get(VENUES).text


def test_a_tenant_viewer_sees_nobodys_e_mail_roles_or_last_sign_in(
    client: TestClient, demo: Demo
) -> None:
    """The people pages are for tenant admins, as /v1's users list (§27.4; issue 13 item 10)."""
    viewer = signed_in(client, "tviewer")
    for url in (USERS, user_url(demo, "editor"), user_url(demo, "tviewer")):
        refused = viewer.get(url)
        assert refused.status_code == 403, url
        assert "Only your organisation&#39;s administrators can" in refused.text
        assert ROLE_EMAILS["editor"] not in refused.text
        assert "Last signed in" not in refused.text


@pytest.mark.parametrize("role", ["manager", "editor", "viewer"])
def test_venue_roles_are_refused_tenant_administration(
    client: TestClient, demo: Demo, role: str
) -> None:
    person = signed_in(client, role)
    assert 'href="/app/admin"' not in person.get("/app/").text

    for url in (ADMIN, VENUES, f"{VENUES}/{demo.fortescue_id}", USERS, user_url(demo, role)):
        assert person.get(url).status_code == 403, url
    token = csrf_of(person.get("/app/").text)
    refused = person.post(
        f"{VENUES}/add", data={"csrf_token": token, "name": "X", "timezone": "Europe/London"}
    )
    assert refused.status_code == 403


def test_another_tenants_admin_finds_none_of_this_tenants_ids(
    client: TestClient, demo: Demo
) -> None:
    other = signed_in(client, "other_admin")
    token = csrf_of(other.get(ADMIN).text)
    fortescue = f"{VENUES}/{demo.fortescue_id}"
    manager = user_url(demo, "manager")

    assert other.get(fortescue).status_code == 404
    assert other.get(manager).status_code == 404
    assert "Fortescue Arms" not in other.get(VENUES).text
    assert ROLE_EMAILS["manager"] not in other.get(USERS).text
    saved = other.post(
        f"{fortescue}/save", data={"csrf_token": token, "name": "Mine", "timezone": "UTC"}
    )
    disabled = other.post(
        f"{manager}/save", data={"csrf_token": token, "display_name": "X", "status": "DISABLED"}
    )
    assert (saved.status_code, disabled.status_code) == (404, 404)
    granted = add_person(other, venue_id=str(demo.fortescue_id))  # a venue of another tenant
    assert granted.status_code == 422
    assert "Some venues were not found." in granted.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "", "timezone": "Europe/London"}, "Name: 1 to 200 characters"),
        ({"name": "   ", "timezone": "Europe/London"}, "Name: 1 to 200 characters"),
        ({"name": "Moon Bar", "timezone": "Mars/Olympus"}, "is not an IANA timezone"),
        ({"name": "Moon Bar", "timezone": ""}, "Timezone: choose one"),
        ({"name": "Moon Bar", "timezone": "UTC", "country_code": "GBR"}, "Country: two letters"),
    ],
)
def test_a_bad_venue_is_a_page_saying_what_is_wrong(
    client: TestClient, demo: Demo, fields: dict[str, str], message: str
) -> None:
    admin = signed_in(client, "admin")

    added = post_form(admin, VENUES, f"{VENUES}/add", **fields)
    venue_url = f"{VENUES}/{demo.badger_id}"
    saved = post_form(admin, venue_url, f"{venue_url}/save", **fields)

    for response in (added, saved):
        assert response.status_code == 422
        assert message in response.text
        assert "Traceback" not in response.text
    assert "Moon Bar" not in admin.get(VENUES).text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "E-mail: an address like name@example.com."),
        ({"display_name": " "}, "Name: 1 to 200 characters."),
        ({"password": "tiny-pw"}, "The password is too short."),
        ({"venue_id": "not-a-venue"}, "Venue role: choose a venue and a role"),
        ({"venue_id": str(uuid.uuid4())}, "Some venues were not found."),
        ({"venue_id": "{badger}", "venue_role": "VENUE_OWNER"}, "Venue role: choose a venue"),
        ({"email": ROLE_EMAILS["manager"].upper()}, "already exists in this tenant."),
    ],
)
def test_a_bad_new_person_is_a_page_saying_what_is_wrong(
    client: TestClient, demo: Demo, fields: dict[str, str], message: str
) -> None:
    admin = signed_in(client, "admin")

    response = add_person(admin, **{n: v.format(badger=demo.badger_id) for n, v in fields.items()})

    assert response.status_code in (409, 422)
    assert message in response.text
    assert NEW_PASSWORD not in response.text
    assert "tiny-pw" not in response.text
    assert "Nia Host" not in admin.get(USERS).text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"display_name": ""}, "Name: 1 to 200 characters."),
        ({"display_name": "Vic", "status": "ASLEEP"}, "Status: active or disabled."),
        ({"venue_role_not-a-uuid": "VENUE_VIEWER"}, "Choose a role at the venues listed."),
        ({"venue_role_{badger}": "VENUE_OWNER"}, "Venue role: choose a venue and a role"),
        ({f"venue_role_{uuid.uuid4()}": "VENUE_VIEWER"}, "Some venues were not found."),
    ],
)
def test_a_bad_change_to_a_person_is_a_page_saying_what_is_wrong(
    world: VenueWorld, fields: dict[str, str], message: str
) -> None:
    client, demo = world.client, world.demo
    admin = signed_in(client, "admin")
    page_url = user_url(demo, "viewer")
    form = {name.format(badger=demo.badger_id): value for name, value in fields.items()}
    action = "save" if "display_name" in form else "venue-roles"

    response = post_form(admin, page_url, f"{page_url}/{action}", **form)

    assert response.status_code == 422
    assert message in response.text
    viewer = api_user(client, world.as_role, demo, "viewer")
    assert viewer["displayName"] == "Vic Viewer"
    assert venue_roles_of(viewer) == {str(demo.fortescue_id): "VENUE_VIEWER"}


def test_unknown_ids_are_not_found_pages(client: TestClient, demo: Demo) -> None:
    admin = signed_in(client, "admin")

    for url in (f"{USERS}/{uuid.uuid4()}", f"{VENUES}/{uuid.uuid4()}", f"{USERS}/nobody"):
        response = admin.get(url)
        assert response.status_code == 404, url
        assert "Traceback" not in response.text


def test_a_post_without_the_csrf_token_is_refused(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    admin = signed_in(client, "admin")
    page_url = user_url(demo, "viewer")

    missing = admin.post(
        f"{page_url}/save", data={"display_name": "Vic Viewer", "status": "DISABLED"}
    )
    forged = admin.post(
        f"{VENUES}/add",
        data={"csrf_token": "forged", "name": "Forged Bar", "timezone": "Europe/London"},
    )

    assert (missing.status_code, forged.status_code) == (403, 403)
    assert api_user(client, world.as_role, demo, "viewer")["status"] == "ACTIVE"
    assert "Forged Bar" not in admin.get(VENUES).text


def test_adding_a_person_whose_address_another_tenant_uses_looks_like_any_other(
    world: VenueWorld,
) -> None:
    """Another tenant's admin learns nothing about this tenant's people (issue 13 item 10)."""
    other_admin = signed_in(browser(world.app), "other_admin")
    answers = [
        add_person(other_admin, email=email, venue_id="")
        for email in (ROLE_EMAILS["manager"], "nobody@anywhere.example")
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]


def test_one_password_for_two_organisations_signs_in_after_choosing_one(world: VenueWorld) -> None:
    demo = world.demo
    shared = add_other_tenant_user(
        world.client, world.as_role("other_admin"), demo, ROLE_EMAILS["editor"], DEMO_PASSWORD
    )
    assert shared.status_code == 201
    person = browser(world.app)

    asked = sign_in(person, "editor")
    assert asked.status_code == 409
    assert "choose one" in asked.text
    assert f'<option value="{demo.other_tenant_id}">' in asked.text
    chosen = person.post(
        "/app/login",
        data={
            "csrf_token": csrf_of(asked.text),
            "email": ROLE_EMAILS["editor"],
            "password": DEMO_PASSWORD,
            "tenant_id": str(demo.other_tenant_id),
        },
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert "Fortescue Arms" not in person.get("/app/").text  # the other tenant's venues only
