"""The venue's screens on the web app: status, commands and pairing for managers only (§5, §18)."""

from __future__ import annotations

import uuid
from functools import partial

import pytest
from fastapi.testclient import TestClient

from tests.support.demo import Demo
from tests.support.devices import heartbeat_answer, pair, poll_status, start_pairing
from tests.support.world import Signer, VenueWorld
from tests.webapp.web import browser, csrf_of, post_form, signed_in


def venue_url(demo: Demo) -> str:
    return f"/app/venues/{demo.fortescue_id}"


def commands_of(client: TestClient, as_role: Signer, demo: Demo, device_id: str) -> list[str]:
    url = f"/v1/venues/{demo.fortescue_id}/devices/{device_id}/commands"
    response = client.get(url, headers=as_role("manager"))
    assert response.status_code == 200, response.text
    return [c["type"] for c in response.json()["items"]]


def test_the_venue_page_lists_screens_with_their_status(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    pair(client, world.as_role("manager"), demo.fortescue_id, name="Bar screen")

    page = signed_in(client, "viewer").get(venue_url(demo))

    assert page.status_code == 200
    assert "Bar screen" in page.text
    assert "Offline" in page.text  # no heartbeat yet
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text


def test_a_manager_sends_a_support_command(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id)
    device_url = f"{venue_url(demo)}/devices/{screen.device_id}"

    response = post_form(
        signed_in(client, "manager"),
        device_url,
        f"{device_url}/commands",
        type="REQUEST_MANIFEST_REFRESH",
    )

    assert response.status_code == 303
    shown = client.get(response.headers["location"]).text
    assert "Sent: Refresh content" in shown
    assert "Waiting for the screen to pick it up" in shown
    assert commands_of(client, as_role, demo, screen.device_id) == ["REQUEST_MANIFEST_REFRESH"]


def test_a_viewer_sees_no_manager_buttons_and_is_refused_their_posts(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id)
    device_url = f"{venue_url(demo)}/devices/{screen.device_id}"
    viewer = signed_in(browser(world.app), "viewer")

    venue_page, device_page = viewer.get(venue_url(demo)).text, viewer.get(device_url).text
    assert "Pair a screen" not in venue_page
    assert '/commands"' not in device_page  # no form posts there; the list polls /commands-list
    assert "Restart playback" not in device_page

    refused = viewer.post(
        f"{device_url}/commands",
        data={"csrf_token": csrf_of(device_page), "type": "RESTART_PLAYBACK_LOOP"},
    )
    assert refused.status_code == 403
    assert "Only venue managers can send commands to screens." in refused.text
    assert "Traceback" not in refused.text
    assert commands_of(client, as_role, demo, screen.device_id) == []


def test_a_command_post_without_the_csrf_token_is_refused(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id)
    manager = signed_in(client, "manager")

    response = manager.post(
        f"{venue_url(demo)}/devices/{screen.device_id}/commands",
        data={"type": "RESTART_PLAYBACK_LOOP", "csrf_token": "forged"},
    )

    assert response.status_code == 403
    assert commands_of(client, as_role, demo, screen.device_id) == []


def test_every_support_command_is_sent_with_its_parameters_and_bad_ones_are_refused(
    world: VenueWorld,
) -> None:
    """Issue 19 item 8: all §18 commands from the phone; diagnostics take a duration."""
    client, as_role, demo = world.client, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id)
    device_url = f"{venue_url(demo)}/devices/{screen.device_id}"
    manager = signed_in(client, "manager")
    send = partial(post_form, manager, device_url, f"{device_url}/commands")

    for refused in ({"type": "REBOOT_DEVICE"}, {"type": "ENABLE_DIAGNOSTICS"}):
        assert send(**refused).status_code == 422
    assert send(type="ENABLE_DIAGNOSTICS", duration_minutes="9999").status_code == 422
    assert commands_of(client, as_role, demo, screen.device_id) == []
    assert send(type="CLEAR_CACHE_ALL").status_code == 303
    assert send(type="ENABLE_DIAGNOSTICS", duration_minutes="60").status_code == 303
    assert send(type="SET_LOG_LEVEL", level="debug").status_code == 303

    sent = client.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{screen.device_id}/commands",
        headers=as_role("manager"),
    ).json()["items"]
    assert {c["type"]: c["parameters"] for c in sent} == {  # sent at one instant: any order
        "CLEAR_CACHE_ALL": {},
        "ENABLE_DIAGNOSTICS": {"durationMinutes": 60},
        "SET_LOG_LEVEL": {"level": "DEBUG"},
    }


def test_a_manager_pairs_a_screen_by_typing_its_code(client: TestClient, demo: Demo) -> None:
    started = start_pairing(client)
    manager = signed_in(client, "manager")
    pair_url = f"/app/pair?code={started['pairingCode']}&venue={demo.fortescue_id}"
    assert started["pairingCode"] in manager.get(pair_url).text  # the QR link fills the code in

    response = post_form(
        manager,
        pair_url,
        "/app/pair",
        venue_id=str(demo.fortescue_id),
        code=started["pairingCode"].lower(),
        name="Window screen",
    )

    assert response.status_code == 303
    status = poll_status(client, started)
    assert status["status"] == "COMPLETED"
    assert response.headers["location"].endswith(f"/devices/{status['deviceId']}?paired=1")
    shown = manager.get(response.headers["location"]).text
    assert "Paired: Window screen is now a screen of Fortescue Arms." in shown  # issue 19 item 13


def test_a_screen_paired_into_a_group_and_not_into_another_venues(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo

    def group(venue_id: uuid.UUID, name: str) -> str:
        made = client.post(
            f"/v1/venues/{venue_id}/groups", json={"name": name}, headers=as_role("admin")
        )
        assert made.status_code == 201, made.text
        return str(made.json()["groupId"])

    bar, elsewhere = group(demo.fortescue_id, "Bar screens"), group(demo.badger_id, "Café")
    manager = signed_in(client, "manager")
    page = manager.get(f"/app/pair?venue={demo.fortescue_id}").text
    assert f'<option value="{bar}">Bar screens</option>' in page
    assert elsewhere not in page  # not a venue the manager runs

    def claim(group_id: str) -> tuple[int, dict]:
        started = start_pairing(client)
        fields = {"code": started["pairingCode"], "name": "Till", "group_id": group_id}
        response = post_form(
            manager, "/app/pair", "/app/pair", venue_id=str(demo.fortescue_id), **fields
        )
        return response.status_code, poll_status(client, started)

    assert claim(elsewhere)[0] == 422
    status_code, paired = claim(bar)
    assert status_code == 303
    device = client.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{paired['deviceId']}", headers=as_role("manager")
    ).json()
    assert device["primaryGroupId"] == bar


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_pairing_needs_the_manager_role(client: TestClient, demo: Demo, role: str) -> None:
    started = start_pairing(client)
    person = signed_in(client, role)
    assert "needs the venue manager role" in person.get("/app/pair").text

    response = post_form(
        person,
        "/app/pair",
        "/app/pair",
        venue_id=str(demo.fortescue_id),
        code=started["pairingCode"],
        name="Sneaky",
    )

    assert response.status_code == 403
    assert poll_status(client, started)["status"] == "PENDING"


def test_a_wrong_code_is_explained(client: TestClient, demo: Demo) -> None:
    response = post_form(
        signed_in(client, "manager"),
        "/app/pair",
        "/app/pair",
        venue_id=str(demo.fortescue_id),
        code="ZZZZZZ",
        name="Nowhere",
    )
    assert response.status_code == 404
    assert "No screen is showing that code" in response.text


def test_error_pages_are_html_not_problem_json(client: TestClient, demo: Demo) -> None:
    manager = signed_in(client, "manager")
    for path, status in (
        (f"/app/venues/{demo.other_venue_id}", 404),  # another tenant's venue
        (f"/app/venues/{demo.badger_id}", 404),  # no role there: hidden, as on /v1
        ("/app/venues/not-a-uuid", 404),
        ("/app/no/such/page", 404),
    ):
        response = manager.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "Your venues" in response.text


def test_an_unexpected_failure_is_a_500_page_without_a_trace(
    client: TestClient, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = signed_in(client, "manager")

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("api.webapp.pages_auth.accessible_venues", broken)
    response = manager.get("/app/")

    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_pairing_on_the_web_cannot_take_over_a_screen_of_a_venue_one_does_not_manage(
    world: VenueWorld,
) -> None:
    """The pair page claims through the same domain rule as /v1 (issue 13 item 1)."""
    client, as_role, demo = world.client, world.as_role, world.demo
    victim = pair(client, as_role("admin"), demo.badger_id, hardware_id="hw-badger-till")
    started = start_pairing(client, victim.hardware_id)

    response = post_form(
        signed_in(client, "manager"),
        "/app/pair",
        "/app/pair",
        venue_id=str(demo.fortescue_id),
        code=started["pairingCode"],
        name="Not yours",
    )

    assert response.status_code == 303
    assert poll_status(client, started)["deviceId"] != victim.device_id
    victim_url = f"/v1/venues/{demo.badger_id}/devices/{victim.device_id}"
    assert client.get(victim_url, headers=as_role("admin")).status_code == 200
    assert heartbeat_answer(client, victim.headers) == 204


def test_a_tenant_admin_moves_a_screen_and_it_carries_on(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id, name="Bar screen")
    device_url = f"{venue_url(demo)}/devices/{screen.device_id}"

    moved = post_form(
        signed_in(client, "admin"),
        device_url,
        f"{device_url}/move",
        to_venue_id=str(demo.badger_id),
    )

    assert moved.status_code == 303
    shown = client.get(moved.headers["location"])
    assert shown.status_code == 200
    assert "Moved to Grumpy Badger Café" in shown.text
    assert heartbeat_answer(client, screen.headers) == 204  # no code: the same token works


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("other_admin", 404)])
def test_only_a_tenant_admin_of_the_screens_tenant_is_offered_or_allowed_a_move(
    world: VenueWorld, role: str, status: int
) -> None:
    client, app, as_role, demo = world.client, world.app, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id)
    device_url = f"{venue_url(demo)}/devices/{screen.device_id}"
    admin_page = signed_in(browser(app), "admin").get(device_url).text
    assert "Move screen" in admin_page
    someone = signed_in(browser(app), role)
    own_token = csrf_of(someone.get("/app/").text)  # a real session of theirs, not a forgery

    refused = someone.post(
        f"{device_url}/move",
        data={"csrf_token": own_token, "to_venue_id": str(demo.badger_id)},
    )

    assert refused.status_code == status  # a manager is not the tenant's admin; others see nothing
    assert "Move screen" not in someone.get(device_url).text
    device = client.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{screen.device_id}", headers=as_role("admin")
    )
    assert device.status_code == 200  # still in its venue
