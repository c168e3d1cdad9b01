"""Housekeeping from the web app (issue 19 item 5) as attackers and lower roles try it: assets
renamed and deleted, shared content changed only by those the shared library allows (§25.4),
people disabled and venues archived by tenant admins only, another tenant's ids not found."""

from __future__ import annotations

from signage.db.models import Asset, Playlist, User, Venue
from tests.support.content import ready_asset
from tests.support.demo import Demo
from tests.support.devices import pair
from tests.support.world import VenueWorld
from tests.webapp.web import browser, csrf_of, post_form, signed_in


def assets_url(demo: Demo) -> str:
    return f"/app/venues/{demo.fortescue_id}/assets"


def test_an_editor_renames_and_deletes_the_venues_own_asset_only(world: VenueWorld) -> None:
    app, demo = world.app, world.demo
    own = ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=1)
    shared = ready_asset(app, demo.tenant_id, None, seed=2)
    editor = signed_in(world.client, "editor")
    url = assets_url(demo)

    renamed = post_form(editor, url, f"{url}/{own.asset_id}/rename", name="  Menu board ")
    assert renamed.status_code == 303
    assert post_form(editor, url, f"{url}/{own.asset_id}/rename", name=" ").status_code == 422
    assert post_form(editor, url, f"{url}/{shared.asset_id}/rename", name="x").status_code == 403
    assert post_form(editor, url, f"{url}/{shared.asset_id}/delete").status_code == 403
    assert post_form(editor, url, f"{url}/{own.asset_id}/delete").status_code == 303
    with app.state.context.database.unit_of_work() as session:
        asset = session.get_one(Asset, own.asset_id)
        assert asset.display_name == "Menu board"
        assert asset.deleted_at is not None
        assert session.get_one(Asset, shared.asset_id).deleted_at is None

    admin = signed_in(browser(app), "admin")  # TENANT_ADMIN may change the shared library
    assert post_form(admin, url, f"{url}/{shared.asset_id}/rename", name="Brand").status_code == 303


def test_viewers_and_other_tenants_cannot_touch_assets(world: VenueWorld) -> None:
    app, demo = world.app, world.demo
    own = ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=3)
    url = assets_url(demo)
    viewer = signed_in(world.client, "viewer")
    assert post_form(viewer, url, f"{url}/{own.asset_id}/delete").status_code == 403
    outsider = signed_in(browser(app), "other_admin")
    token = csrf_of(outsider.get("/app/").text)
    refused = outsider.post(f"{url}/{own.asset_id}/delete", data={"csrf_token": token})
    assert refused.status_code == 404
    with app.state.context.database.unit_of_work() as session:
        assert session.get_one(Asset, own.asset_id).deleted_at is None


def test_search_and_filters_narrow_the_library(world: VenueWorld) -> None:
    app, demo = world.app, world.demo
    own = ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=4)
    ready_asset(app, demo.tenant_id, None, seed=5)
    editor = signed_in(world.client, "editor")
    with app.state.context.database.unit_of_work() as session:
        name = session.get_one(Asset, own.asset_id).display_name
    only_venue = editor.get(assets_url(demo), params={"scope": "VENUE"}).text
    assert only_venue.count('data-asset="') == 1
    assert name in only_venue
    assert editor.get(assets_url(demo), params={"scope": "NOWHERE"}).status_code == 422
    none = editor.get(assets_url(demo), params={"q": "no such name", "type": "VIDEO"}).text
    assert "No assets match." in none


def test_shared_playlists_are_changed_only_by_shared_library_editors(world: VenueWorld) -> None:
    app = world.app
    url = f"/app/venues/{world.demo.fortescue_id}/playlists"
    editor = signed_in(world.client, "editor")
    assert post_form(editor, url, f"{url}/new", name="Mine", where="shared").status_code == 403
    admin = signed_in(browser(app), "admin")
    assert post_form(admin, url, f"{url}/new", name="Ours", where="shared").status_code == 303
    with app.state.context.database.unit_of_work() as session:
        ours = session.query(Playlist).filter_by(name="Ours").one()
        assert ours.scope_venue_id is None
    page = editor.get(f"{url}/{ours.id}").text
    assert 'action="' + f"{url}/{ours.id}/rename" not in page
    refused = post_form(editor, f"{url}/{ours.id}", f"{url}/{ours.id}/delete")
    assert refused.status_code == 403


def test_only_tenant_admins_disable_people_and_archive_venues(world: VenueWorld) -> None:
    client, app, demo = world.client, world.app, world.demo
    admin = signed_in(client, "admin")
    viewer_id = demo.user_ids["viewer"]
    person = f"/app/admin/users/{viewer_id}"
    outsider = signed_in(browser(app), "other_admin")
    token = csrf_of(outsider.get("/app/").text)
    assert (
        outsider.post(
            f"{person}/status", data={"csrf_token": token, "status": "DISABLED"}
        ).status_code
        == 404
    )
    venue_page = f"/app/admin/venues/{demo.badger_id}"
    assert outsider.post(f"{venue_page}/archive", data={"csrf_token": token}).status_code == 404
    tviewer = signed_in(browser(app), "tviewer")
    assert post_form(tviewer, venue_page, f"{venue_page}/archive").status_code == 403

    assert post_form(admin, person, f"{person}/status", status="DISABLED").status_code == 303
    own = f"/app/admin/users/{demo.user_ids['admin']}"
    assert post_form(admin, person, f"{own}/status", status="DISABLED").status_code == 422

    pair(client, world.as_role("admin"), demo.badger_id, "Badger TV")
    in_use = post_form(admin, venue_page, f"{venue_page}/archive")
    assert in_use.status_code == 409
    assert "Badger TV" in in_use.text
    with app.state.context.database.unit_of_work() as session:
        assert session.get_one(User, viewer_id).status.value == "DISABLED"
        assert session.get_one(Venue, demo.badger_id).deleted_at is None


def test_an_archived_venue_leaves_every_list_and_lookup(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    created = client.post(
        f"/v1/tenants/{demo.tenant_id}/venues",
        json={"name": "Pop-up", "timezone": "Europe/London"},
        headers=as_role("admin"),
    )
    assert created.status_code == 201, created.text
    venue_id = created.json()["venueId"]
    admin = signed_in(browser(world.app), "admin")
    page = f"/app/admin/venues/{venue_id}"
    assert post_form(admin, page, f"{page}/archive").status_code == 303

    listed = client.get(f"/v1/tenants/{demo.tenant_id}/venues", headers=as_role("admin"))
    assert venue_id not in listed.text
    gone = client.get(f"/v1/tenants/{demo.tenant_id}/venues/{venue_id}", headers=as_role("admin"))
    assert gone.status_code == 404
    assert admin.get(f"/app/venues/{venue_id}").status_code == 404
    assert "Pop-up" not in admin.get("/app/admin/venues").text
