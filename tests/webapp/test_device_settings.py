"""A screen's configuration on its page, and the managers' settings form saved with the
device's ETag as If-Match (§16, §19, §21)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.demo import Demo
from tests.support.devices import pair
from tests.support.world import Signer, VenueWorld
from tests.webapp.web import browser, csrf_of, etag_of, signed_in

SETTINGS = {
    "name": "Bar screen",
    "run_mode": "KIOSK",
    "orientation": "PORTRAIT",
    "launch_on_boot": "on",
    "auto_relaunch": "on",
    # keep_awake and the watchdog unticked: a browser sends nothing for them
    "timezone": "Europe/Dublin",
    "cache_budget_mib": "512",
}


def device_urls(demo: Demo, device_id: str) -> tuple[str, str]:
    page = f"/app/venues/{demo.fortescue_id}/devices/{device_id}"
    return page, f"{page}/settings"


def api_device(client: TestClient, as_role: Signer, demo: Demo, device_id: str) -> Any:
    url = f"/v1/venues/{demo.fortescue_id}/devices/{device_id}"
    response = client.get(url, headers=as_role("viewer"))
    assert response.status_code == 200, response.text
    return response.json()


def save(client: TestClient, settings_html: str, settings_url: str, **fields: str) -> Any:
    data = {"csrf_token": csrf_of(settings_html), "etag": etag_of(settings_html), **fields}
    return client.post(f"{settings_url}/save", data=data, follow_redirects=False)


def test_the_device_page_shows_its_configuration(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id)
    page_url, settings_url = device_urls(demo, screen.device_id)

    viewer_page = signed_in(client, "viewer").get(page_url).text

    assert 'id="configuration"' in viewer_page
    assert "<dt>Orientation</dt><dd>landscape</dd>" in viewer_page
    assert "<dt>Keep awake</dt><dd>yes</dd>" in viewer_page
    assert settings_url not in viewer_page  # no "Change settings" for a viewer


def test_a_manager_saves_settings_with_the_etag(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id)
    _, settings_url = device_urls(demo, screen.device_id)
    manager = signed_in(client, "manager")
    form = manager.get(settings_url)
    assert form.status_code == 200, form.text
    assert etag_of(form.text) == '"device-v1"'

    response = save(manager, form.text, settings_url, **SETTINGS)

    assert response.status_code == 303, response.text
    assert "Saved." in manager.get(response.headers["location"]).text
    device = api_device(client, as_role, demo, screen.device_id)
    assert (device["runMode"], device["orientation"]) == ("KIOSK", "PORTRAIT")
    assert (device["keepAwake"], device["launchOnBoot"]) == (False, True)
    assert device["timezone"] == "Europe/Dublin"
    assert device["cacheBudgetBytes"] == 512 * 1024 * 1024


def test_a_stale_settings_form_gets_the_reload_page(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id)
    _, settings_url = device_urls(demo, screen.device_id)
    first, second = signed_in(client, "manager"), signed_in(browser(world.app), "manager")
    first_form, second_form = first.get(settings_url).text, second.get(settings_url).text
    assert save(first, first_form, settings_url, **SETTINGS).status_code == 303

    conflict = save(second, second_form, settings_url, **{**SETTINGS, "orientation": "LANDSCAPE"})

    assert conflict.status_code == 412
    assert "Someone else changed this screen" in conflict.text
    assert f'href="{settings_url}"' in conflict.text  # the reload link
    assert api_device(client, as_role, demo, screen.device_id)["orientation"] == "PORTRAIT"


def test_bad_values_are_explained_and_change_nothing(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id)
    _, settings_url = device_urls(demo, screen.device_id)
    manager = signed_in(client, "manager")
    form = manager.get(settings_url).text

    tiny = save(manager, form, settings_url, **{**SETTINGS, "cache_budget_mib": "1"})
    assert tiny.status_code == 422
    assert "at least 67108864 bytes" in tiny.text
    no_etag = save(manager, form, settings_url, **{**SETTINGS, "etag": ""})
    assert no_etag.status_code == 428
    assert api_device(client, as_role, demo, screen.device_id)["runMode"] == "SHARED"


def test_editors_and_viewers_are_refused_the_settings(world: VenueWorld) -> None:
    client, app, as_role, demo = world.client, world.app, world.as_role, world.demo
    screen = pair(client, as_role("manager"), demo.fortescue_id)
    page_url, settings_url = device_urls(demo, screen.device_id)
    manager_form = signed_in(browser(app), "manager").get(settings_url).text

    for role in ("editor", "viewer"):
        person = signed_in(browser(app), role)
        assert person.get(settings_url).status_code == 403
        device_page = person.get(page_url).text
        data = {**SETTINGS, "csrf_token": csrf_of(device_page), "etag": etag_of(manager_form)}
        refused = person.post(f"{settings_url}/save", data=data, follow_redirects=False)
        assert refused.status_code == 403, role
        assert "Traceback" not in refused.text
    assert api_device(client, as_role, demo, screen.device_id)["runMode"] == "SHARED"
