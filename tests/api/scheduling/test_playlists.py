"""Playlists (§26.7, §27.5-27.6, §27.9, §27.10): drafts with ETags, publish, rollback, history."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from signage.db.engine import Database
from signage.db.models import PlaylistPublished, PublishEvent, VenueEpoch
from signage.enums import AssetStatus, AssetType
from signage.playlists import publishing
from tests.support.content import (
    IF_MATCH,
    add_slot,
    create_playlist,
    publish_schedule,
    published_playlist,
    ready_asset,
    set_items,
)
from tests.support.demo import Demo
from tests.support.world import VenueWorld

LIBRARY = "/v1/library/playlists"


def venue_base(demo: Demo) -> str:
    return f"/v1/venues/{demo.fortescue_id}/playlists"


def epoch_of(database: Database, venue_id) -> int:
    with database.sessions() as session:
        return session.scalars(
            select(VenueEpoch.manifest_epoch).where(VenueEpoch.venue_id == venue_id)
        ).one()


def test_create_returns_the_draft_with_an_etag_and_get_repeats_it(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    playlist_id, etag = create_playlist(client, as_role("editor"), venue_base(demo), "Lunch")
    got = client.get(f"{venue_base(demo)}/{playlist_id}", headers=as_role("viewer"))
    assert got.status_code == 200
    assert got.headers["ETag"] == etag
    body = got.json()
    assert (body["name"], body["scope"], body["venueId"]) == (
        "Lunch",
        "VENUE",
        str(demo.fortescue_id),
    )
    assert (body["draftVersion"], body["publishedVersion"], body["items"]) == (1, None, [])


def test_item_changes_need_if_match_428_then_412_with_the_current_etag(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("editor")
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    playlist_id, etag = create_playlist(client, headers, venue_base(demo))
    url = f"{venue_base(demo)}/{playlist_id}/items"
    items = {"items": [{"assetId": str(asset.asset_id), "durationSeconds": 8}]}

    missing = client.put(url, json=items, headers=headers)
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"

    changed = client.put(url, json=items, headers={**headers, IF_MATCH: etag})
    assert changed.status_code == 200
    new_etag = changed.headers["ETag"]
    assert new_etag != etag
    assert [i["durationSeconds"] for i in changed.json()["items"]] == [8]

    stale = client.put(url, json=items, headers={**headers, IF_MATCH: etag})
    assert stale.status_code == 412
    assert stale.json()["currentEtag"] == new_etag


def test_every_draft_mutation_checks_if_match(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("manager")
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    playlist_id, etag = create_playlist(client, headers, venue_base(demo))
    url = f"{venue_base(demo)}/{playlist_id}"
    set_items(client, headers, url, etag, [asset.asset_id])
    calls = [
        ("PATCH", url, {"name": "Renamed"}),
        ("PUT", f"{url}/items", {"items": []}),
        ("PUT", f"{url}/reorder", {"playlistItemIds": []}),
        ("POST", f"{url}/publish", None),
        ("POST", f"{url}/rollback", {"toVersion": 1}),
    ]
    for method, path, body in calls:
        assert client.request(method, path, json=body, headers=headers).status_code == 428, path
        stale = {**headers, IF_MATCH: etag}
        assert client.request(method, path, json=body, headers=stale).status_code == 412, path


def test_images_need_a_duration_and_items_must_be_visible_to_the_playlist(
    world: VenueWorld,
) -> None:
    app, client, demo = world.app, world.client, world.demo
    headers = world.as_role("admin")
    own = ready_asset(app, demo.tenant_id, demo.fortescue_id)
    other_venue = ready_asset(app, demo.tenant_id, demo.badger_id, seed=2)
    other_tenant = ready_asset(app, demo.other_tenant_id, None, seed=3)
    playlist_id, etag = create_playlist(client, headers, venue_base(demo))
    response = client.put(
        f"{venue_base(demo)}/{playlist_id}/items",
        json={
            "items": [
                {"assetId": str(own.asset_id)},
                {"assetId": str(other_venue.asset_id), "durationSeconds": 5},
                {"assetId": str(other_tenant.asset_id), "durationSeconds": 5},
            ]
        },
        headers={**headers, IF_MATCH: etag},
    )
    assert response.status_code == 422
    locations = [e["location"] for e in response.json()["errors"]]
    assert locations == [
        "body.items[0].durationSeconds",
        "body.items[1].assetId",
        "body.items[2].assetId",
    ]


def test_a_shared_playlist_may_hold_only_shared_assets(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("admin")
    venue_asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    playlist_id, etag = create_playlist(client, headers, LIBRARY)
    response = client.put(
        f"{LIBRARY}/{playlist_id}/items",
        json={"items": [{"assetId": str(venue_asset.asset_id), "durationSeconds": 5}]},
        headers={**headers, IF_MATCH: etag},
    )
    assert response.status_code == 422


def test_videos_keep_no_duration_and_report_their_length(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("editor")
    video = ready_asset(world.app, demo.tenant_id, demo.fortescue_id, asset_type=AssetType.VIDEO)
    playlist_id, etag = create_playlist(client, headers, venue_base(demo))
    response = client.put(
        f"{venue_base(demo)}/{playlist_id}/items",
        json={"items": [{"assetId": str(video.asset_id), "durationSeconds": 99}]},
        headers={**headers, IF_MATCH: etag},
    )
    item = response.json()["items"][0]
    assert (item["durationSeconds"], item["assetDurationSeconds"]) == (None, 12.4)


def test_reorder_takes_a_permutation_of_the_items(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("editor")
    assets = [ready_asset(world.app, demo.tenant_id, demo.fortescue_id, seed=s) for s in range(3)]
    playlist_id, etag = create_playlist(client, headers, venue_base(demo))
    url = f"{venue_base(demo)}/{playlist_id}"
    etag = set_items(client, headers, url, etag, [a.asset_id for a in assets])
    item_ids = [i["playlistItemId"] for i in client.get(url, headers=headers).json()["items"]]

    partial = client.put(
        f"{url}/reorder",
        json={"playlistItemIds": item_ids[:2]},
        headers={**headers, IF_MATCH: etag},
    )
    assert partial.status_code == 422
    reordered = client.put(
        f"{url}/reorder",
        json={"playlistItemIds": list(reversed(item_ids))},
        headers={**headers, IF_MATCH: etag},
    )
    assert reordered.status_code == 200
    got = [i["assetId"] for i in reordered.json()["items"]]
    assert got == [str(a.asset_id) for a in reversed(assets)]


def test_publish_is_refused_while_an_asset_is_not_ready_and_lists_it(world: VenueWorld) -> None:
    app, client, demo = world.app, world.client, world.demo
    headers = world.as_role("manager")
    ready = ready_asset(app, demo.tenant_id, demo.fortescue_id)
    processing = ready_asset(
        app, demo.tenant_id, demo.fortescue_id, seed=1, status=AssetStatus.PROCESSING
    )
    playlist_id, etag = create_playlist(client, headers, venue_base(demo))
    url = f"{venue_base(demo)}/{playlist_id}"
    etag = set_items(client, headers, url, etag, [ready.asset_id, processing.asset_id])
    refused = client.post(f"{url}/publish", headers={**headers, IF_MATCH: etag})
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [(e["assetId"], e["status"]) for e in errors] == [
        (str(processing.asset_id), "PROCESSING")
    ]


def test_an_empty_playlist_cannot_be_published(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("manager")
    playlist_id, etag = create_playlist(client, headers, venue_base(demo))
    response = client.post(
        f"{venue_base(demo)}/{playlist_id}/publish", headers={**headers, IF_MATCH: etag}
    )
    assert response.status_code == 422


def test_an_editor_may_change_a_venue_playlist_but_only_a_manager_publishes_it(
    world: VenueWorld,
) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    playlist_id, etag = create_playlist(client, as_role("editor"), venue_base(demo))
    url = f"{venue_base(demo)}/{playlist_id}"
    etag = set_items(client, as_role("editor"), url, etag, [asset.asset_id])
    by_editor = client.post(f"{url}/publish", headers={**as_role("editor"), IF_MATCH: etag})
    assert by_editor.status_code == 403
    by_manager = client.post(f"{url}/publish", headers={**as_role("manager"), IF_MATCH: etag})
    assert by_manager.status_code == 200
    assert by_manager.json()["publishedVersion"] == 1


def test_publish_snapshots_the_draft_and_later_edits_do_not_touch_it(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("manager")
    first, second = (
        ready_asset(world.app, demo.tenant_id, demo.fortescue_id, seed=s) for s in (1, 2)
    )
    playlist_id = published_playlist(client, headers, venue_base(demo), [first.asset_id])
    url = f"{venue_base(demo)}/{playlist_id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    set_items(client, headers, url, etag, [second.asset_id])
    with world.database.sessions() as session:
        snapshot = publishing.snapshot_items(session, uuid.UUID(playlist_id), 1)
    assert [i.asset_id for i in snapshot] == [first.asset_id]


def test_rollback_publishes_an_old_version_as_a_new_one_and_history_shows_both(
    world: VenueWorld,
) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    headers = as_role("manager")
    first, second = (
        ready_asset(world.app, demo.tenant_id, demo.fortescue_id, seed=s) for s in (1, 2)
    )
    playlist_id = published_playlist(client, headers, venue_base(demo), [first.asset_id])
    url = f"{venue_base(demo)}/{playlist_id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    etag = set_items(client, headers, url, etag, [second.asset_id])
    assert client.post(f"{url}/publish", headers={**headers, IF_MATCH: etag}).status_code == 200

    missing = client.post(
        f"{url}/rollback", json={"toVersion": 9}, headers={**headers, IF_MATCH: etag}
    )
    assert missing.status_code == 404
    rolled = client.post(
        f"{url}/rollback", json={"toVersion": 1}, headers={**headers, IF_MATCH: etag}
    )
    assert rolled.status_code == 200
    assert rolled.json()["publishedVersion"] == 3
    versions = client.get(f"{url}/versions", headers=as_role("viewer")).json()["items"]
    assert [(v["publishedVersion"], v["source"], v["rolledBackToVersion"]) for v in versions] == [
        (3, "ROLLBACK", 1),
        (2, "PUBLISH", None),
        (1, "PUBLISH", None),
    ]
    # §27.1 cursor pages (issue 15 item 16): two, then the last one.
    page_one = client.get(f"{url}/versions", params={"limit": 2}, headers=headers).json()
    assert [v["publishedVersion"] for v in page_one["items"]] == [3, 2]
    rest = client.get(
        f"{url}/versions", params={"cursor": page_one["nextCursor"]}, headers=headers
    ).json()
    assert ([v["publishedVersion"] for v in rest["items"]], rest["nextCursor"]) == ([1], None)
    with world.database.sessions() as session:
        items = publishing.snapshot_items(session, uuid.UUID(playlist_id), 3)
        events = session.scalars(
            select(PublishEvent.type).order_by(PublishEvent.published_at, PublishEvent.to_version)
        ).all()
    assert [i.asset_id for i in items] == [first.asset_id]
    assert [str(e) for e in events] == ["PLAYLIST_PUBLISH", "PLAYLIST_PUBLISH", "PLAYLIST_ROLLBACK"]


def test_publishing_a_scheduled_playlist_moves_the_venue_epoch(world: VenueWorld) -> None:
    client, demo, database = world.client, world.demo, world.database
    headers = world.as_role("admin")
    asset = ready_asset(world.app, demo.tenant_id, None)
    playlist_id = published_playlist(client, headers, LIBRARY, [asset.asset_id])
    group = client.post(
        f"/v1/venues/{demo.badger_id}/groups", json={"name": "Bar"}, headers=headers
    ).json()
    add_slot(
        client,
        headers,
        demo.badger_id,
        targetType="GROUP",
        targetId=group["groupId"],
        playlistId=playlist_id,
        daysOfWeekMask=127,
        startMinutes=0,
        endMinutes=0,
    )
    publish_schedule(client, headers, demo.badger_id)
    before = epoch_of(database, demo.badger_id)
    sees_it = epoch_of(database, demo.fortescue_id)
    untouched = epoch_of(database, demo.other_venue_id)
    url = f"{LIBRARY}/{playlist_id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    assert client.post(f"{url}/publish", headers={**headers, IF_MATCH: etag}).status_code == 200
    assert epoch_of(database, demo.badger_id) == before + 1
    # Fortescue sees the shared playlist: it is now its "last published" fallback (issue 15 #2)
    assert epoch_of(database, demo.fortescue_id) == sees_it + 1
    assert epoch_of(database, demo.other_venue_id) == untouched


def test_a_failure_midway_through_publish_leaves_the_old_published_state_whole(
    world: VenueWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, demo, database = world.client, world.demo, world.database
    headers = world.as_role("manager")
    first, second = (
        ready_asset(world.app, demo.tenant_id, demo.fortescue_id, seed=s) for s in (1, 2)
    )
    playlist_id = published_playlist(client, headers, venue_base(demo), [first.asset_id])
    url = f"{venue_base(demo)}/{playlist_id}"
    etag = set_items(
        client, headers, url, client.get(url, headers=headers).headers["ETag"], [second.asset_id]
    )
    epoch = epoch_of(database, demo.fortescue_id)

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away after the snapshot rows were written")

    monkeypatch.setattr(publishing, "bump_venues_playing", fail)
    response = client.post(f"{url}/publish", headers={**headers, IF_MATCH: etag})
    assert response.status_code == 500
    with database.sessions() as session:
        versions = session.scalars(
            select(PlaylistPublished.published_version).where(
                PlaylistPublished.playlist_id == playlist_id
            )
        ).all()
        items = publishing.snapshot_items(session, uuid.UUID(playlist_id), 1)
    assert versions == [1]
    assert [i.asset_id for i in items] == [first.asset_id]
    assert client.get(url, headers=headers).json()["publishedVersion"] == 1
    assert epoch_of(database, demo.fortescue_id) == epoch


def test_presence_shows_other_editors_until_their_announcement_expires(world: VenueWorld) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    playlist_id, _ = create_playlist(client, as_role("editor"), venue_base(demo))
    url = f"{venue_base(demo)}/{playlist_id}"
    announced = client.post(f"{url}/presence", headers=as_role("editor"))
    assert announced.status_code == 200
    assert announced.json()["editors"] == []
    seen = client.post(f"{url}/presence", headers=as_role("manager")).json()["editors"]
    assert [e["displayName"] for e in seen] != []
    viewer = client.get(url, headers=as_role("viewer")).json()["editors"]
    assert len(viewer) == 2
    world.clock.advance(seconds=31)
    assert client.get(url, headers=as_role("viewer")).json()["editors"] == []
    client.post(f"{url}/presence", headers=as_role("editor"))
    assert client.delete(f"{url}/presence", headers=as_role("editor")).status_code == 204
    assert client.get(url, headers=as_role("viewer")).json()["editors"] == []


@pytest.mark.parametrize("name", ["", "   ", "Happy\nhour", "bell\x07", "x" * 201])
def test_names_are_trimmed_and_refuse_control_characters(world: VenueWorld, name: str) -> None:
    response = world.client.post(
        venue_base(world.demo), json={"name": name}, headers=world.as_role("editor")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.name"


def test_a_name_is_stored_trimmed(world: VenueWorld) -> None:
    response = world.client.post(
        venue_base(world.demo), json={"name": "  Lunch  "}, headers=world.as_role("editor")
    )
    assert response.json()["name"] == "Lunch"
