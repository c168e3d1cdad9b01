"""Building a playlist on the web app: create, rename, add READY items, remove, publish history
and rollback, each with If-Match from the page and the 412 reload message (§15, §16, §27.9)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from signage.enums import AssetStatus, AssetType
from tests.support.content import ready_asset
from tests.support.demo import Demo
from tests.support.world import Signer, VenueWorld
from tests.webapp.test_playlists import api_item_names, move_form, venue_playlist
from tests.webapp.web import browser, etag_of, post_form, signed_in


def playlists_url(demo: Demo) -> str:
    return f"/app/venues/{demo.fortescue_id}/playlists"


def api_playlist(client: TestClient, as_role: Signer, page_url: str) -> dict[str, object]:
    response = client.get(page_url.replace("/app/", "/v1/"), headers=as_role("editor"))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def option_of(page_html: str, display_name: str) -> str:
    found = re.search(r'<option value="([^"]+)">' + re.escape(display_name), page_html)
    assert found, f"{display_name} is not offered"
    return found.group(1)


def test_an_editor_creates_and_renames_a_playlist(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    editor = signed_in(client, "editor")

    created = post_form(editor, playlists_url(demo), f"{playlists_url(demo)}/new", name="Quiz")

    assert created.status_code == 303
    page_url = created.headers["location"]
    page = editor.get(page_url).text
    assert "<h1>Quiz</h1>" in page
    renamed = post_form(
        editor, page_url, f"{page_url}/rename", name="Quiz night", etag=etag_of(page)
    )
    assert renamed.status_code == 303
    assert api_playlist(client, world.as_role, page_url)["name"] == "Quiz night"


def test_only_ready_assets_are_offered_and_images_need_a_duration(world: VenueWorld) -> None:
    client, app, as_role, demo = world.client, world.app, world.as_role, world.demo
    page_url, _ = venue_playlist(client, app, as_role, demo)
    ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=7)
    ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=8, status=AssetStatus.PROCESSING)
    ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=9, asset_type=AssetType.VIDEO)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text
    assert "picture-8.png" not in page  # still processing: not offered

    too_long = post_form(
        editor,
        page_url,
        f"{page_url}/add",
        asset_id=option_of(page, "picture-7.png"),
        duration_seconds="3601",
        etag=etag_of(page),
    )
    assert too_long.status_code == 422
    assert "1-3600" in too_long.text

    image = post_form(
        editor,
        page_url,
        f"{page_url}/add",
        asset_id=option_of(page, "picture-7.png"),
        duration_seconds="25",
        etag=etag_of(page),
    )
    assert image.status_code == 303
    page = editor.get(page_url).text
    video = post_form(
        editor,
        page_url,
        f"{page_url}/add",
        asset_id=option_of(page, "picture-9.png"),
        duration_seconds="25",
        etag=etag_of(page),
    )
    assert video.status_code == 303

    items = api_playlist(client, as_role, page_url)["items"]
    assert isinstance(items, list)
    assert [(i["assetDisplayName"], i["durationSeconds"]) for i in items[-2:]] == [
        ("picture-7.png", 25),
        ("picture-9.png", None),  # a video plays to completion (§9)
    ]


def test_an_editor_removes_an_item(world: VenueWorld) -> None:
    client, as_role = world.client, world.as_role
    page_url, _ = venue_playlist(client, world.app, as_role, world.demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text

    response = post_form(editor, page_url, f"{page_url}/remove", **move_form(page, 1))

    assert response.status_code == 303
    assert api_item_names(client, as_role, page_url) == ["picture-1.png", "picture-3.png"]


def item_ids_of(page_html: str) -> list[str]:
    return re.findall(r'<li data-item-id="([^"]+)"', page_html)


def test_dragging_posts_the_whole_new_order(world: VenueWorld) -> None:
    client, as_role = world.client, world.as_role
    page_url, _ = venue_playlist(client, world.app, as_role, world.demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text
    first, second, third = item_ids_of(page)

    response = post_form(
        editor,
        page_url,
        f"{page_url}/reorder",
        order=f"{third},{first},{second}",
        etag=etag_of(page),
    )

    assert response.status_code == 303
    names = api_item_names(client, as_role, page_url)
    assert names == ["picture-3.png", "picture-1.png", "picture-2.png"]


def test_a_dragged_order_that_is_not_the_playlist_is_refused(world: VenueWorld) -> None:
    client, app, as_role = world.client, world.app, world.as_role
    page_url, _ = venue_playlist(client, app, as_role, world.demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text
    first, second, _ = item_ids_of(page)

    for order in (f"{first},{second}", f"{first},{first},{second}", "not-an-id", ""):
        refused = post_form(
            editor, page_url, f"{page_url}/reorder", order=order, etag=etag_of(page)
        )
        assert refused.status_code == 422, order
    assert api_item_names(client, as_role, page_url)[0] == "picture-1.png"
    viewer = signed_in(browser(app), "viewer")
    assert "reorder-form" not in viewer.get(page_url).text
    denied = post_form(viewer, page_url, f"{page_url}/reorder", order="", etag=etag_of(page))
    assert denied.status_code == 403


def test_adding_from_a_stale_page_is_a_conflict_with_a_reload_link(world: VenueWorld) -> None:
    client, app, as_role = world.client, world.app, world.as_role
    page_url, _ = venue_playlist(client, app, as_role, world.demo)
    first = signed_in(client, "editor")
    second = signed_in(browser(app), "manager")
    stale = first.get(page_url).text
    removed = post_form(second, page_url, f"{page_url}/remove", **move_form(stale, 0))
    assert removed.status_code == 303

    response = post_form(
        first,
        page_url,
        f"{page_url}/add",
        asset_id=option_of(stale, "picture-1.png"),
        duration_seconds="5",
        etag=etag_of(stale),
    )

    assert response.status_code == 412
    assert "Someone else changed this playlist" in response.text
    assert f'href="{page_url}"' in response.text
    assert len(api_item_names(client, as_role, page_url)) == 2  # theirs kept, nothing added


def test_a_viewer_sees_no_edit_forms_and_is_refused_them(world: VenueWorld) -> None:
    client, app, demo = world.client, world.app, world.demo
    page_url, _ = venue_playlist(client, app, world.as_role, demo)
    etag = etag_of(signed_in(browser(app), "editor").get(page_url).text)
    viewer = signed_in(client, "viewer")
    page = viewer.get(page_url).text
    assert "/add" not in page
    assert "/remove" not in page
    assert "/rename" not in page
    assert "Create playlist" not in viewer.get(playlists_url(demo)).text

    for action, fields in (
        (f"{playlists_url(demo)}/new", {"name": "Mine"}),
        (f"{page_url}/rename", {"name": "Mine", "etag": etag}),
        (f"{page_url}/add", {"asset_id": "00000000-0000-0000-0000-000000000000", "etag": etag}),
        (f"{page_url}/remove", {"item_id": "00000000-0000-0000-0000-000000000000", "etag": etag}),
    ):
        assert post_form(viewer, page_url, action, **fields).status_code == 403, action


def publish(manager: TestClient, page_url: str) -> None:
    page = manager.get(page_url).text
    response = post_form(manager, page_url, f"{page_url}/publish", etag=etag_of(page))
    assert response.status_code == 303, response.text


def remove_first(client: TestClient, page_url: str) -> None:
    page = client.get(page_url).text
    response = post_form(client, page_url, f"{page_url}/remove", **move_form(page, 0))
    assert response.status_code == 303, response.text


def test_a_manager_sees_the_history_and_rolls_back(world: VenueWorld) -> None:
    client, as_role = world.client, world.as_role
    page_url, _ = venue_playlist(client, world.app, as_role, world.demo)
    manager = signed_in(client, "manager")
    publish(manager, page_url)
    remove_first(manager, page_url)
    publish(manager, page_url)
    history_url = f"{page_url}/versions"
    history = manager.get(history_url).text
    assert "v2" in history
    assert "Manager" in history  # who published, by name
    assert "Roll back to v1" in history
    assert "Roll back to v2" not in history  # v2 is live

    response = post_form(
        manager, history_url, f"{history_url}/rollback", to_version="1", etag=etag_of(history)
    )

    assert response.status_code == 303
    shown = manager.get(response.headers["location"]).text
    assert "Version 1 is live again" in shown
    assert "rollback to v1" in shown
    assert api_playlist(client, as_role, page_url)["publishedVersion"] == 3


def test_an_editor_reads_the_history_but_cannot_roll_back(world: VenueWorld) -> None:
    client, app, as_role = world.client, world.app, world.as_role
    page_url, _ = venue_playlist(client, app, as_role, world.demo)
    publish(signed_in(browser(app), "manager"), page_url)
    editor = signed_in(client, "editor")
    history_url = f"{page_url}/versions"
    history = editor.get(history_url).text
    assert "v1" in history
    assert "Roll back" not in history

    etag = etag_of(editor.get(page_url).text)
    refused = post_form(editor, history_url, f"{history_url}/rollback", to_version="1", etag=etag)

    assert refused.status_code == 403
    assert api_playlist(client, as_role, page_url)["publishedVersion"] == 1


def test_a_rollback_from_a_stale_history_page_is_a_conflict(world: VenueWorld) -> None:
    client = world.client
    page_url, _ = venue_playlist(client, world.app, world.as_role, world.demo)
    manager = signed_in(client, "manager")
    publish(manager, page_url)
    remove_first(manager, page_url)
    publish(manager, page_url)
    history_url = f"{page_url}/versions"
    stale = manager.get(history_url).text
    remove_first(manager, page_url)  # someone changes the draft meanwhile

    response = post_form(
        manager, history_url, f"{history_url}/rollback", to_version="1", etag=etag_of(stale)
    )

    assert response.status_code == 412
    assert f'href="{history_url}"' in response.text
