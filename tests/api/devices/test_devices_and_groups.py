"""Devices and groups of a venue (§26.4, §27.6): live status, settings with If-Match, removal."""

from __future__ import annotations

from sqlalchemy import select

from signage.db.engine import Database
from signage.db.models import VenueEpoch
from tests.support.demo import Demo
from tests.support.devices import PairedDevice, heartbeat_body, pair
from tests.support.world import VenueWorld


def devices_url(demo: Demo) -> str:
    return f"/v1/venues/{demo.fortescue_id}/devices"


def epoch(database: Database, venue_id) -> int:
    with database.sessions() as session:
        return (
            session.scalar(select(VenueEpoch.manifest_epoch).where(VenueEpoch.venue_id == venue_id))
            or 0
        )


def test_device_view_merges_the_latest_heartbeat(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    device = pair(client, as_role("manager"), demo.fortescue_id)
    assert (
        client.post(
            "/v1/player/heartbeat", json=heartbeat_body(), headers=device.headers
        ).status_code
        == 204
    )
    view = client.get(f"{devices_url(demo)}/{device.device_id}", headers=as_role("viewer"))
    assert view.status_code == 200
    body = view.json()
    assert body["cacheBudgetBytes"] == 2 * 1024**3  # §11.1 default
    assert body["appVersion"] == "1.2.0"
    status = body["status"]
    assert status["online"] is True
    assert status["state"] == "PLAYING"
    assert status["lastHeartbeatAtUtc"].startswith("2026-06-15T12:00:00")  # server time (§30.9)
    assert status["cache"]["usedBytes"] == 524288000
    assert status["network"]["type"] == "ETHERNET"
    assert status["errors"]["downloadFailures"] == 2
    world.clock.advance(minutes=3)
    later = client.get(f"{devices_url(demo)}/{device.device_id}", headers=as_role("viewer"))
    assert later.json()["status"]["online"] is False


def test_list_filters_by_online_group_and_app_version(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    group = client.post(
        f"/v1/venues/{demo.fortescue_id}/groups", json={"name": "Bar"}, headers=manager
    ).json()
    live = pair(client, manager, demo.fortescue_id, "Live")
    pair(client, manager, demo.fortescue_id, "Silent")
    client.post(
        "/v1/player/heartbeat", json=heartbeat_body(appVersion="2.0.0"), headers=live.headers
    )
    etag = client.get(f"{devices_url(demo)}/{live.device_id}", headers=manager).headers["etag"]
    client.patch(
        f"{devices_url(demo)}/{live.device_id}",
        json={"primaryGroupId": group["groupId"]},
        headers={**manager, "If-Match": etag},
    )

    def names(**params) -> list[str]:
        page = client.get(devices_url(demo), params=params, headers=manager).json()
        return [d["name"] for d in page["items"]]

    assert names() == ["Live", "Silent"]
    assert names(online="true") == ["Live"]
    assert names(status="OFFLINE") == ["Silent"]
    assert names(groupId=group["groupId"]) == ["Live"]
    assert names(appVersion="2.0.0") == ["Live"]


def test_patch_needs_if_match_and_refuses_a_stale_etag(world: VenueWorld) -> None:
    client, demo, database = world.client, world.demo, world.database
    manager = world.as_role("manager")
    device = pair(client, manager, demo.fortescue_id)
    url = f"{devices_url(demo)}/{device.device_id}"
    etag = client.get(url, headers=manager).headers["etag"]
    missing = client.patch(url, json={"keepAwake": False}, headers=manager)
    assert missing.status_code == 428
    before = epoch(database, demo.fortescue_id)
    changed = client.patch(
        url,
        json={"runMode": "KIOSK", "orientation": "PORTRAIT"},
        headers={**manager, "If-Match": etag},
    )
    assert changed.status_code == 200
    assert changed.json()["runMode"] == "KIOSK"
    assert changed.headers["etag"] != etag
    assert epoch(database, demo.fortescue_id) == before + 1  # settings play out (§26.9)
    stale = client.patch(url, json={"keepAwake": False}, headers={**manager, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["currentEtag"] == changed.headers["etag"]


def test_patch_validates_each_field(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    device = pair(client, manager, demo.fortescue_id)
    url = f"{devices_url(demo)}/{device.device_id}"
    etag = client.get(url, headers=manager).headers["etag"]
    for body in (
        {"timezone": "Moon/Base"},
        {"cacheBudgetBytes": 10},
        {"runMode": "SOMETIMES"},
        {"primaryGroupId": "00000000-0000-0000-0000-000000000000"},
        {"name": None},
        {"venueId": str(demo.badger_id)},
    ):
        response = client.patch(url, json=body, headers={**manager, "If-Match": etag})
        assert response.status_code == 422, body


def test_removing_a_device_revokes_its_token_at_once(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    device: PairedDevice = pair(client, manager, demo.fortescue_id)
    assert (
        client.delete(f"{devices_url(demo)}/{device.device_id}", headers=manager).status_code == 204
    )
    assert (
        client.post(
            "/v1/player/heartbeat", json=heartbeat_body(), headers=device.headers
        ).status_code
        == 401
    )
    assert client.get(f"{devices_url(demo)}/{device.device_id}", headers=manager).status_code == 404


def test_groups_crud_and_unique_names(world: VenueWorld) -> None:
    client, as_role = world.client, world.as_role
    manager = as_role("manager")
    url = f"/v1/venues/{world.demo.fortescue_id}/groups"
    created = client.post(url, json={"name": "Bar"}, headers=manager)
    assert created.status_code == 201
    group_id = created.json()["groupId"]
    assert client.post(url, json={"name": "Bar"}, headers=manager).status_code == 409
    renamed = client.put(f"{url}/{group_id}", json={"name": "Lounge"}, headers=manager)
    assert renamed.json()["name"] == "Lounge"
    assert [g["name"] for g in client.get(url, headers=as_role("viewer")).json()["items"]] == [
        "Lounge"
    ]
    assert client.delete(f"{url}/{group_id}", headers=manager).status_code == 204
    assert client.get(f"{url}/{group_id}", headers=manager).status_code == 404


def test_renaming_a_group_to_a_name_the_venue_has_is_a_409_naming_the_field(
    world: VenueWorld,
) -> None:
    """Issue 21: the rename was flushed outside its savepoint and answered 500."""
    client = world.client
    manager = world.as_role("manager")
    url = f"/v1/venues/{world.demo.fortescue_id}/groups"
    assert client.post(url, json={"name": "Bar"}, headers=manager).status_code == 201
    lounge = client.post(url, json={"name": "Lounge"}, headers=manager).json()
    renamed = client.put(f"{url}/{lounge['groupId']}", json={"name": " Bar "}, headers=manager)
    assert renamed.status_code == 409
    assert renamed.headers["content-type"] == "application/problem+json"
    problem = renamed.json()
    assert problem["code"] == "CONFLICT"
    assert problem["context"] == {"field": "name"}
    assert problem["errors"] == [
        {"location": "body.name", "message": "already in use", "type": "duplicate"}
    ]
    assert "'Bar'" in problem["detail"]
    kept = client.get(f"{url}/{lounge['groupId']}", headers=manager).json()
    assert kept["name"] == "Lounge"


def test_deleting_a_group_ungroups_its_devices(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    manager = world.as_role("manager")
    group = client.post(
        f"/v1/venues/{demo.fortescue_id}/groups", json={"name": "Bar"}, headers=manager
    ).json()
    device = pair(client, manager, demo.fortescue_id)
    url = f"{devices_url(demo)}/{device.device_id}"
    etag = client.get(url, headers=manager).headers["etag"]
    client.patch(
        url, json={"primaryGroupId": group["groupId"]}, headers={**manager, "If-Match": etag}
    )
    client.delete(f"/v1/venues/{demo.fortescue_id}/groups/{group['groupId']}", headers=manager)
    assert client.get(url, headers=manager).json()["primaryGroupId"] is None


def test_a_device_of_another_venue_is_not_found_through_this_one(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    device = pair(client, as_role("admin"), demo.badger_id)
    response = client.get(f"{devices_url(demo)}/{device.device_id}", headers=as_role("admin"))
    assert response.status_code == 404
