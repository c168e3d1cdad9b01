"""The venue schedule set (§26.8, §27.6, §27.9, §30.10), publish history (§26.11) and the
timeline, which must agree with the manifest the resolver gives a screen."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from signage.db.engine import Database
from signage.db.models import VenueEpoch
from tests.support.content import (
    IF_MATCH,
    add_slot,
    create_playlist,
    publish_schedule,
    published_playlist,
    ready_asset,
    schedule_etag,
)
from tests.support.demo import Demo
from tests.support.devices import PairedDevice, pair
from tests.support.world import VenueWorld


@pytest.fixture
def screen(world: VenueWorld) -> PairedDevice:
    return pair(world.client, world.as_role("manager"), world.demo.fortescue_id)


@pytest.fixture
def playlist(world: VenueWorld) -> str:
    demo = world.demo
    asset = ready_asset(world.app, demo.tenant_id, demo.fortescue_id)
    base = f"/v1/venues/{demo.fortescue_id}/playlists"
    return published_playlist(
        world.client, world.as_role("manager"), base, [asset.asset_id], "Lunch"
    )


def slot_body(screen: PairedDevice, playlist: str, **overrides: object) -> dict[str, object]:
    return {
        "targetType": "DEVICE",
        "targetId": screen.device_id,
        "playlistId": playlist,
        "daysOfWeekMask": 0b0011111,  # Monday to Friday
        "startMinutes": 22 * 60,
        "endMinutes": 2 * 60,  # wraps past midnight (§30.4)
        **overrides,
    }


def slots_url(demo: Demo) -> str:
    return f"/v1/venues/{demo.fortescue_id}/scheduleset/slots"


def epoch_of(database: Database, venue_id: uuid.UUID) -> int:
    with database.sessions() as session:
        return session.scalars(
            select(VenueEpoch.manifest_epoch).where(VenueEpoch.venue_id == venue_id)
        ).one()


def test_slot_changes_need_the_schedule_etag(
    world: VenueWorld, screen: PairedDevice, playlist: str
) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("editor")
    body = slot_body(screen, playlist)
    assert client.post(slots_url(demo), json=body, headers=headers).status_code == 428
    etag = schedule_etag(client, headers, demo.fortescue_id)
    created = client.post(slots_url(demo), json=body, headers={**headers, IF_MATCH: etag})
    assert created.status_code == 201
    new_etag = created.headers["ETag"]
    slot_id = created.json()["slotId"]
    stale = client.put(
        f"{slots_url(demo)}/{slot_id}",
        json={**body, "priority": 5},
        headers={**headers, IF_MATCH: etag},
    )
    assert stale.status_code == 412
    assert stale.json()["currentEtag"] == new_etag
    updated = client.put(
        f"{slots_url(demo)}/{slot_id}",
        json={**body, "priority": 5},
        headers={**headers, IF_MATCH: new_etag},
    )
    assert updated.status_code == 200
    assert updated.json()["priority"] == 5
    deleted = client.delete(
        f"{slots_url(demo)}/{slot_id}", headers={**headers, IF_MATCH: updated.headers["ETag"]}
    )
    assert deleted.status_code == 204
    assert (
        client.get(f"/v1/venues/{demo.fortescue_id}/scheduleset", headers=headers).json()["slots"]
        == []
    )


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"daysOfWeekMask": 0}, "body.daysOfWeekMask"),
        ({"startMinutes": 1440}, "body.startMinutes"),
        ({"endMinutes": -1}, "body.endMinutes"),
        ({"validFromDate": "2026-07-02", "validToDate": "2026-07-01"}, "body.validToDate"),
        ({"targetId": str(uuid.uuid4())}, "body.targetId"),
        ({"playlistId": str(uuid.uuid4())}, "body.playlistId"),
        ({"targetType": "VENUE"}, "body.targetType"),
    ],
)
def test_invalid_slots_are_422_with_the_offending_field(
    world: VenueWorld, screen: PairedDevice, playlist: str, change: dict[str, object], location: str
) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("editor")
    etag = schedule_etag(client, headers, demo.fortescue_id)
    response = client.post(
        slots_url(demo),
        json=slot_body(screen, playlist, **change),
        headers={**headers, IF_MATCH: etag},
    )
    assert response.status_code == 422
    assert location in [e["location"] for e in response.json()["errors"]]


def test_a_slot_may_not_target_a_device_of_another_venue(world: VenueWorld, playlist: str) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    elsewhere = pair(client, as_role("admin"), demo.badger_id)
    headers = as_role("editor")
    etag = schedule_etag(client, headers, demo.fortescue_id)
    response = client.post(
        slots_url(demo), json=slot_body(elsewhere, playlist), headers={**headers, IF_MATCH: etag}
    )
    assert response.status_code == 422


def test_publish_needs_published_playlists_and_moves_the_epoch(
    world: VenueWorld, screen: PairedDevice, playlist: str
) -> None:
    client, demo, database = world.client, world.demo, world.database
    headers = world.as_role("manager")
    draft_only, _ = create_playlist(
        client, headers, f"/v1/venues/{demo.fortescue_id}/playlists", "Draft"
    )
    add_slot(client, headers, demo.fortescue_id, **slot_body(screen, draft_only))
    etag = schedule_etag(client, headers, demo.fortescue_id)
    publish_url = f"/v1/venues/{demo.fortescue_id}/scheduleset/publish"
    refused = client.post(publish_url, headers={**headers, IF_MATCH: etag})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["playlistId"] == draft_only

    schedule = client.get(f"/v1/venues/{demo.fortescue_id}/scheduleset", headers=headers).json()
    slot = schedule["slots"][0]
    body = slot_body(screen, playlist)
    client.put(
        f"{slots_url(demo)}/{slot['slotId']}", json=body, headers={**headers, IF_MATCH: etag}
    )
    before = epoch_of(database, demo.fortescue_id)
    published = publish_schedule(client, headers, demo.fortescue_id)
    assert published["publishedVersion"] == 1
    assert [s["playlistId"] for s in published["publishedSlots"]] == [playlist]
    assert epoch_of(database, demo.fortescue_id) == before + 1


def test_only_a_manager_publishes_the_schedule(
    world: VenueWorld, screen: PairedDevice, playlist: str
) -> None:
    client, as_role, demo = world.client, world.as_role, world.demo
    add_slot(client, as_role("editor"), demo.fortescue_id, **slot_body(screen, playlist))
    etag = schedule_etag(client, as_role("editor"), demo.fortescue_id)
    url = f"/v1/venues/{demo.fortescue_id}/scheduleset/publish"
    assert client.post(url, headers={**as_role("editor"), IF_MATCH: etag}).status_code == 403


def test_rollback_republishes_an_old_version_and_history_lists_every_publish(
    world: VenueWorld, screen: PairedDevice, playlist: str
) -> None:
    client, as_role, demo, clock = world.client, world.as_role, world.demo, world.clock
    headers = as_role("manager")
    first = add_slot(client, headers, demo.fortescue_id, **slot_body(screen, playlist))
    clock.advance(seconds=1)
    publish_schedule(client, headers, demo.fortescue_id)
    etag = schedule_etag(client, headers, demo.fortescue_id)
    client.delete(f"{slots_url(demo)}/{first['slotId']}", headers={**headers, IF_MATCH: etag})
    clock.advance(seconds=1)
    second = publish_schedule(client, headers, demo.fortescue_id)
    assert second["publishedSlots"] == []
    clock.advance(seconds=1)

    etag = schedule_etag(client, headers, demo.fortescue_id)
    rolled = client.post(
        f"/v1/venues/{demo.fortescue_id}/scheduleset/rollback",
        json={"toVersion": 1},
        headers={**headers, IF_MATCH: etag},
    )
    assert rolled.status_code == 200
    body = rolled.json()
    assert body["publishedVersion"] == 3
    assert [s["slotId"] for s in body["publishedSlots"]] == [first["slotId"]]
    assert body["slots"] == []  # the draft is left alone
    assert [v["rolledBackToVersion"] for v in body["versions"]] == [1, None, None]

    history = client.get(f"/v1/venues/{demo.fortescue_id}/publishes", headers=as_role("viewer"))
    events = history.json()["items"]
    assert [e["type"] for e in events[:3]] == [
        "SCHEDULE_ROLLBACK",
        "SCHEDULE_PUBLISH",
        "SCHEDULE_PUBLISH",
    ]
    assert events[0]["snapshot"]["slots"][0]["slotId"] == first["slotId"]
    assert events[0]["snapshot"]["slots"][0]["startMinutes"] == 22 * 60


def test_the_timeline_agrees_with_the_manifest_the_screen_gets(
    world: VenueWorld, screen: PairedDevice, playlist: str
) -> None:
    client, as_role, demo, clock = world.client, world.as_role, world.demo, world.clock
    headers = as_role("manager")
    add_slot(client, headers, demo.fortescue_id, **slot_body(screen, playlist))
    publish_schedule(client, headers, demo.fortescue_id)
    start = clock.now
    response = client.get(
        f"/v1/venues/{demo.fortescue_id}/timeline",
        params={
            "deviceId": screen.device_id,
            "from": start.isoformat(),
            "to": (start + timedelta(days=2)).isoformat(),
        },
        headers=as_role("viewer"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timezone"] == "Europe/London"
    intervals = body["intervals"]
    # Monday 13:00 London: the fallback (last published) until 22:00, the slot to 02:00, ...
    assert [(i["reason"], i["startUtc"][11:16]) for i in intervals[:3]] == [
        ("FALLBACK", "12:00"),
        ("DEVICE_SLOT", "21:00"),
        ("FALLBACK", "01:00"),
    ]
    assert intervals[1]["playlistName"] == "Lunch"
    for interval in intervals:
        moment = datetime.fromisoformat(interval["startUtc"]) + timedelta(minutes=1)
        clock.now = moment
        manifest = client.get("/v1/player/manifest", headers=screen.headers)
        assert manifest.status_code == 200, manifest.text
        assert manifest.json()["playlist"]["playlistId"] == interval["playlistId"]
        clock.now += timedelta(minutes=1)  # the next poll is outside this minute's limit


def test_timeline_windows_are_checked(world: VenueWorld, screen: PairedDevice) -> None:
    client, clock = world.client, world.clock
    url = f"/v1/venues/{world.demo.fortescue_id}/timeline"
    headers = world.as_role("viewer")
    too_long = {
        "deviceId": screen.device_id,
        "from": clock.now.isoformat(),
        "to": (clock.now + timedelta(days=15)).isoformat(),
    }
    assert client.get(url, params=too_long, headers=headers).status_code == 422
    assert client.get(url, headers=headers).status_code == 422  # neither deviceId nor groupId
    unknown = {"groupId": str(uuid.uuid4())}
    assert client.get(url, params=unknown, headers=headers).status_code == 404


def test_every_schedule_mutation_checks_if_match(
    world: VenueWorld, screen: PairedDevice, playlist: str
) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("manager")
    slot = add_slot(client, headers, demo.fortescue_id, **slot_body(screen, playlist))
    publish_schedule(client, headers, demo.fortescue_id)
    stale_etag = '"schedule-v1"'
    venue = f"/v1/venues/{demo.fortescue_id}/scheduleset"
    calls = [
        ("POST", f"{venue}/slots", slot_body(screen, playlist)),
        ("PUT", f"{venue}/slots/{slot['slotId']}", slot_body(screen, playlist)),
        ("DELETE", f"{venue}/slots/{slot['slotId']}", None),
        ("POST", f"{venue}/publish", None),
        ("POST", f"{venue}/rollback", {"toVersion": 1}),
    ]
    for method, path, body in calls:
        assert client.request(method, path, json=body, headers=headers).status_code == 428, path
        stale = {**headers, IF_MATCH: stale_etag}
        response = client.request(method, path, json=body, headers=stale)
        assert response.status_code == 412, path
        assert response.json()["currentEtag"] == schedule_etag(client, headers, demo.fortescue_id)
