"""Screen groups and a screen's group, name and removal in the web app (issue 19 items 5-6): the
/v1 rules, refused to roles that may not and invisible to another tenant (§5, §25.6)."""

from __future__ import annotations

from signage.db.models import Device, DeviceGroup
from tests.support.demo import Demo
from tests.support.devices import pair
from tests.support.world import VenueWorld
from tests.webapp.web import browser, csrf_of, etag_of, post_form, signed_in


def groups_url(demo: Demo) -> str:
    return f"/app/venues/{demo.fortescue_id}/groups"


def test_a_manager_creates_renames_and_deletes_a_group(world: VenueWorld) -> None:
    manager = signed_in(world.client, "manager")
    url = groups_url(world.demo)
    added = post_form(manager, url, f"{url}/new", name="Bar screens")
    assert added.status_code == 303
    with world.app.state.context.database.unit_of_work() as session:
        group = session.query(DeviceGroup).filter_by(name="Bar screens").one()
    same = post_form(manager, url, f"{url}/new", name="Bar screens")
    assert same.status_code == 409  # a name the venue already has (the domain's rule)
    renamed = post_form(manager, url, f"{url}/{group.id}/rename", name="Snug")
    assert renamed.status_code == 303
    assert "Snug" in manager.get(url).text
    deleted = post_form(manager, url, f"{url}/{group.id}/delete")
    assert deleted.status_code == 303
    assert "Snug" not in manager.get(url).text


def test_editors_viewers_and_other_tenants_cannot_change_groups(world: VenueWorld) -> None:
    app = world.app
    manager = signed_in(world.client, "manager")
    url = groups_url(world.demo)
    post_form(manager, url, f"{url}/new", name="Window")
    with app.state.context.database.unit_of_work() as session:
        group_id = session.query(DeviceGroup).filter_by(name="Window").one().id
    for role in ("editor", "viewer"):
        person = signed_in(browser(app), role)
        assert post_form(person, url, f"{url}/new", name="Mine").status_code == 403
        assert post_form(person, url, f"{url}/{group_id}/delete").status_code == 403
    outsider = signed_in(browser(app), "other_admin")
    assert outsider.get(url).status_code == 404
    token = csrf_of(outsider.get("/app/").text)
    refused = outsider.post(f"{url}/{group_id}/rename", data={"csrf_token": token, "name": "Taken"})
    assert refused.status_code == 404
    assert "Window" in manager.get(url).text


def test_a_screen_moves_between_groups_and_is_renamed_and_removed(world: VenueWorld) -> None:
    client, app, demo = world.client, world.app, world.demo
    screen = pair(client, world.as_role("manager"), demo.fortescue_id, "Till")
    manager = signed_in(client, "manager")
    url = groups_url(demo)
    post_form(manager, url, f"{url}/new", name="Counter")
    with app.state.context.database.unit_of_work() as session:
        group_id = session.query(DeviceGroup).filter_by(name="Counter").one().id
    page_url = f"/app/venues/{demo.fortescue_id}/devices/{screen.device_id}"

    def post(action: str, **fields: str) -> int:
        page = manager.get(page_url).text
        data = {"csrf_token": csrf_of(page), "etag": etag_of(page), **fields}
        return manager.post(f"{page_url}/{action}", data=data, follow_redirects=False).status_code

    assert post("group", group_id=str(group_id)) == 303
    assert "Group: <strong>Counter</strong>" in manager.get(page_url).text
    foreign = "00000000-0000-4000-8000-000000000000"  # no group of this venue
    assert post("group", group_id=foreign) == 422
    assert post("rename", name="Till screen") == 303
    stale = manager.get(page_url).text
    assert post("rename", name="Till two") == 303
    data = {"csrf_token": csrf_of(stale), "etag": etag_of(stale), "name": "Lost"}
    assert manager.post(f"{page_url}/rename", data=data).status_code == 412  # §16
    assert post("remove") == 303
    with app.state.context.database.unit_of_work() as session:
        device = session.get_one(Device, screen.device_id)
        assert device.name == "Till two"
        assert device.deleted_at is not None
