"""Playlists on the web app: items and publish state, reorder with If-Match and the 412
conflict message, publish for managers, presence (§15, §16)."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient

from signage.enums import AssetStatus, AssetType
from tests.support.content import create_playlist, ready_asset, set_items
from tests.support.demo import Demo
from tests.support.world import Signer, VenueWorld
from tests.webapp.web import browser, etag_of, post_form, signed_in


def venue_playlist(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo, *, all_ready: bool = True
) -> tuple[str, list[uuid.UUID]]:
    """A draft venue playlist of an image, a video and a third image; (page URL, asset ids)."""
    last_status = AssetStatus.READY if all_ready else AssetStatus.PROCESSING
    assets = [
        ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=1).asset_id,
        ready_asset(
            app, demo.tenant_id, demo.fortescue_id, seed=2, asset_type=AssetType.VIDEO
        ).asset_id,
        ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=3, status=last_status).asset_id,
    ]
    base = f"/v1/venues/{demo.fortescue_id}/playlists"
    playlist_id, etag = create_playlist(client, as_role("editor"), base, "Happy hour")
    set_items(client, as_role("editor"), f"{base}/{playlist_id}", etag, assets)
    return f"/app/venues/{demo.fortescue_id}/playlists/{playlist_id}", assets


def api_item_names(client: TestClient, as_role: Signer, page_url: str) -> list[str]:
    response = client.get(page_url.replace("/app/", "/v1/"), headers=as_role("editor"))
    return [i["assetDisplayName"] for i in response.json()["items"]]


def move_form(page_html: str, position: int) -> dict[str, str]:
    """The hidden item id of the `position`-th item's forms."""
    ids = [part.split('"')[0] for part in page_html.split('name="item_id" value="')[1:]]
    distinct = list(dict.fromkeys(ids))  # each item has several forms (up, down, remove)
    return {"item_id": distinct[position], "etag": etag_of(page_html)}


def test_the_playlist_page_shows_items_and_publish_state(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    page_url, _ = venue_playlist(client, world.app, world.as_role, demo)
    viewer = signed_in(client, "viewer")

    listing = viewer.get(f"/app/venues/{demo.fortescue_id}/playlists").text
    assert "Happy hour" in listing
    assert "3 items" in listing
    assert "never published" in listing

    page = viewer.get(page_url).text
    assert "picture-1.png" in page
    assert "picture-2.png" in page
    assert "image" in page
    assert "video" in page
    assert "ready" in page
    assert "10 s" in page
    assert "12.4 s (video)" in page
    assert "never published" in page
    assert "/move" not in page
    assert "/publish" not in page  # a viewer changes nothing


def test_an_editor_reorders_with_up_and_down(world: VenueWorld) -> None:
    client, as_role = world.client, world.as_role
    page_url, _ = venue_playlist(client, world.app, as_role, world.demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text
    assert "/publish" not in page  # publishing is the manager's (§5)
    assert page.count("disabled>") == 2  # only the first item's up and the last one's down

    response = post_form(editor, page_url, f"{page_url}/move", direction="up", **move_form(page, 2))

    assert response.status_code == 303
    assert response.headers["location"] == page_url
    assert api_item_names(client, as_role, page_url) == [
        "picture-1.png",
        "picture-3.png",
        "picture-2.png",
    ]


def test_a_stale_page_gets_the_conflict_message_and_a_reload_link(world: VenueWorld) -> None:
    client, as_role = world.client, world.as_role
    page_url, assets = venue_playlist(client, world.app, as_role, world.demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text
    # Someone else changes the playlist after the page was rendered.
    api_url = page_url.replace("/app/", "/v1/")
    current = client.get(api_url, headers=as_role("manager")).headers["ETag"]
    set_items(client, as_role("manager"), api_url, current, list(reversed(assets)))

    response = post_form(
        editor, page_url, f"{page_url}/move", direction="down", **move_form(page, 0)
    )

    assert response.status_code == 412
    assert "Someone else changed this playlist" in response.text
    assert f'href="{page_url}"' in response.text  # the reload link
    assert api_item_names(client, as_role, page_url)[0] == "picture-3.png"  # theirs kept


def test_a_move_without_an_etag_is_refused(world: VenueWorld) -> None:
    client = world.client
    page_url, _ = venue_playlist(client, world.app, world.as_role, world.demo)
    editor = signed_in(client, "editor")
    form = move_form(editor.get(page_url).text, 0)

    response = post_form(editor, page_url, f"{page_url}/move", item_id=form["item_id"])

    assert response.status_code == 428


def test_a_manager_publishes_and_a_viewer_cannot(world: VenueWorld) -> None:
    client, app, as_role = world.client, world.app, world.as_role
    page_url, _ = venue_playlist(client, app, as_role, world.demo)
    viewer = signed_in(browser(app), "viewer")
    viewer_page = viewer.get(page_url).text
    refused = post_form(
        viewer,
        page_url,
        f"{page_url}/publish",
        etag=etag_of(signed_in(client, "manager").get(page_url).text),
    )
    assert refused.status_code == 403
    assert "Publish draft" not in viewer_page

    manager_page = client.get(page_url).text
    assert "Publish draft v2" in manager_page
    response = post_form(client, page_url, f"{page_url}/publish", etag=etag_of(manager_page))

    assert response.status_code == 303
    assert "Published." in client.get(response.headers["location"]).text
    published = client.get(page_url.replace("/app/", "/v1/"), headers=as_role("manager")).json()
    assert published["publishedVersion"] == 1


def test_publishing_with_an_item_not_ready_explains_why(world: VenueWorld) -> None:
    client = world.client
    page_url, _ = venue_playlist(client, world.app, world.as_role, world.demo, all_ready=False)
    manager = signed_in(client, "manager")
    page = manager.get(page_url).text
    assert "processing" in page
    assert 'disabled aria-describedby="publish-refusal"' in page  # offered only when it works
    assert "Waiting for picture-3.png to be ready." in page

    response = post_form(manager, page_url, f"{page_url}/publish", etag=etag_of(page))

    assert response.status_code == 422
    assert "Waiting for picture-3.png to be ready." in response.text


def test_presence_shows_who_else_is_editing(world: VenueWorld) -> None:
    client, app = world.client, world.app
    page_url, _ = venue_playlist(client, app, world.as_role, world.demo)
    editor = signed_in(browser(app), "editor")
    announced = post_form(editor, page_url, f"{page_url}/presence")  # what htmx posts on load
    assert announced.status_code == 200

    page = signed_in(client, "manager").get(page_url).text

    assert "Sam Editor is editing" in page
    assert f'hx-post="{page_url}/presence"' in page
    # The editor does not see themself.
    assert "is editing" not in editor.get(page_url).text


def test_an_editor_deletes_a_playlist_after_confirming_and_it_leaves_the_list(
    world: VenueWorld,
) -> None:
    """Issue 15 item 15: the page's delete form asks first (data-confirm, app.js)."""
    client, demo = world.client, world.demo
    page_url, _ = venue_playlist(client, world.app, world.as_role, demo)
    editor = signed_in(client, "editor")
    page = editor.get(page_url).text
    assert f'action="{page_url}/delete"' in page
    assert 'data-confirm="Delete Happy hour?' in page
    response = post_form(editor, page_url, f"{page_url}/delete")
    assert response.status_code == 303, response.text
    listing = editor.get(f"/app/venues/{demo.fortescue_id}/playlists").text
    assert page_url not in listing
    assert editor.get(page_url).status_code == 404


# -- the draft against what plays (issue 19 items 1-2) ---------------------------------------------


def published_venue_playlist(
    client: TestClient, app: FastAPI, as_role: Signer, demo: Demo
) -> tuple[str, dict[str, str]]:
    """A venue playlist published as v1; (page URL, its /v1 headers for the manager)."""
    page_url, _ = venue_playlist(client, app, as_role, demo)
    api_url = page_url.replace("/app/", "/v1/")
    etag = client.get(api_url, headers=as_role("manager")).headers["ETag"]
    published = client.post(f"{api_url}/publish", headers={**as_role("manager"), "If-Match": etag})
    assert published.status_code == 200, published.text
    return page_url, as_role("manager")


def test_an_unchanged_draft_is_not_published_again(world: VenueWorld) -> None:
    client, as_role = world.client, world.as_role
    page_url, _ = published_venue_playlist(client, world.app, as_role, world.demo)
    manager = signed_in(client, "manager")
    page = manager.get(page_url).text
    assert "Published v1, no changes" in page
    assert "Nothing to publish: screens already play this draft." in page

    response = post_form(manager, page_url, f"{page_url}/publish", etag=etag_of(page))

    assert response.status_code == 422
    assert "Nothing to publish" in response.text
    api_url = page_url.replace("/app/", "/v1/")
    assert client.get(api_url, headers=as_role("viewer")).json()["publishedVersion"] == 1


def test_an_editor_discards_the_draft_changes_and_others_cannot(world: VenueWorld) -> None:
    client, app, as_role = world.client, world.app, world.as_role
    page_url, _ = published_venue_playlist(client, app, as_role, world.demo)
    editor = signed_in(browser(app), "editor")
    page = editor.get(page_url).text
    post_form(editor, page_url, f"{page_url}/remove", **move_form(page, 0))
    page = editor.get(page_url).text
    assert "has changes not yet published" in page
    assert "Discard draft changes" in page
    for role, status in (("viewer", 403), ("other_admin", 404)):
        outsider = signed_in(browser(app), role)
        refused = post_form(outsider, "/app/", f"{page_url}/discard", etag=etag_of(page))
        assert refused.status_code == status, role
    assert len(api_item_names(client, as_role, page_url)) == 2

    response = post_form(editor, page_url, f"{page_url}/discard", etag=etag_of(page))

    assert response.status_code == 303
    after = editor.get(response.headers["location"]).text
    assert "Draft changes discarded" in after
    assert "Published v1, no changes" in after
    assert api_item_names(client, as_role, page_url) == [
        "picture-1.png",
        "picture-2.png",
        "picture-3.png",
    ]
