"""Issue 15 item 6 (§25.1): a TENANT_ADMIN moves a screen to another venue of the tenant. The
device keeps its identity, name, settings and history, and the move is silent: its token keeps
working in the new venue and is exchanged at the next manifest poll for one that names the new
venue, whose first use ends the old one. Claimed again by a code in the new venue (a screen that
was reset) it is the same device. Nobody else can move it, nor move it out of the tenant."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from api.routes.player import TOKEN_RENEWAL_HEADER
from signage.auth.tokens import decode_device_token, token_policy
from signage.db.engine import Database
from signage.db.models import AuditEntry, Device, DeviceEvent, VenueEpoch
from tests.support.demo import bearer
from tests.support.devices import PairedDevice, heartbeat_body, pair
from tests.support.world import VenueWorld

EVENT = {
    "eventType": "APP_STARTED",
    "eventTimeUtc": "2026-06-15T11:58:00Z",
    "severity": "INFO",
}


def move_url(venue_id: uuid.UUID, device: PairedDevice) -> str:
    return f"/v1/venues/{venue_id}/devices/{device.device_id}/move"


def epochs(database: Database, *venue_ids: uuid.UUID) -> list[int]:
    with database.sessions() as session:
        return [session.get_one(VenueEpoch, v).manifest_epoch for v in venue_ids]


def test_a_moved_device_keeps_its_identity_and_comes_back_in_its_new_venue(
    world: VenueWorld,
) -> None:
    client, demo, database = world.client, world.demo, world.database
    admin = world.as_role("admin")
    device = pair(client, admin, demo.fortescue_id, name="Bar screen", hardware_id="hw-move-1")
    device_url = f"/v1/venues/{demo.fortescue_id}/devices/{device.device_id}"
    etag = client.get(device_url, headers=admin).headers["ETag"]
    patched = client.patch(
        device_url, json={"orientation": "PORTRAIT"}, headers={**admin, "If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    posted = client.post("/v1/player/events", json={"events": [EVENT]}, headers=device.headers)
    assert posted.status_code == 204
    before = epochs(database, demo.fortescue_id, demo.badger_id)

    moved = client.post(
        move_url(demo.fortescue_id, device), json={"toVenueId": str(demo.badger_id)}, headers=admin
    )

    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["deviceId"], body["venueId"]) == (device.device_id, str(demo.badger_id))
    assert (body["name"], body["orientation"]) == ("Bar screen", "PORTRAIT")
    assert epochs(database, demo.fortescue_id, demo.badger_id) == [n + 1 for n in before]
    assert client.get(device_url, headers=admin).status_code == 404
    with database.sessions() as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "DEVICE_MOVED")
        ).one()
    assert audited.target_id == device.device_id
    assert audited.details == {
        "fromVenueId": str(demo.fortescue_id),
        "toVenueId": str(demo.badger_id),
    }

    again = pair(client, admin, demo.badger_id, name="Badger bar", hardware_id="hw-move-1")

    assert again.device_id == device.device_id  # the same device, not a new one
    shown = client.get(
        f"/v1/venues/{demo.badger_id}/devices/{device.device_id}", headers=admin
    ).json()
    # the claim names it as a re-pair does; its settings are the device's own
    assert (shown["name"], shown["orientation"]) == ("Badger bar", "PORTRAIT")
    assert (
        client.post(
            "/v1/player/heartbeat", json=heartbeat_body(), headers=again.headers
        ).status_code
        == 204
    )
    with database.sessions() as session:
        kept = session.scalar(
            select(func.count())
            .select_from(DeviceEvent)
            .where(DeviceEvent.device_id == uuid.UUID(device.device_id))
        )
        devices = session.scalar(
            select(func.count()).select_from(Device).where(Device.hardware_id == "hw-move-1")
        )
    assert (kept, devices) == (1, 1)


def test_a_moved_screen_carries_on_silently_and_takes_a_token_for_its_new_venue(
    world: VenueWorld, settings
) -> None:
    client, demo, clock = world.client, world.demo, world.clock
    admin = world.as_role("admin")
    device = pair(client, admin, demo.fortescue_id, name="Bar screen")
    before = client.get("/v1/player/manifest", headers=device.headers)
    assert before.json()["screen"]["venueName"] == "Fortescue Arms"

    moved = client.post(
        move_url(demo.fortescue_id, device), json={"toVenueId": str(demo.badger_id)}, headers=admin
    )
    assert moved.status_code == 200, moved.text

    clock.advance(minutes=1)
    beat = client.post("/v1/player/heartbeat", json=heartbeat_body(), headers=device.headers)
    assert beat.status_code == 204  # no pairing code: the old token still names the device
    seen = client.get(f"/v1/venues/{demo.badger_id}/devices/{device.device_id}", headers=admin)
    assert seen.json()["lastSeenAtUtc"] is not None  # the heartbeat landed in the new venue
    answer = client.get(
        "/v1/player/manifest",
        headers={**device.headers, "If-None-Match": before.headers["ETag"]},
    )
    assert answer.status_code == 200  # the new venue's screens, not a 304 of the old
    assert answer.json()["screen"]["venueName"] == "Grumpy Badger Café"
    successor = answer.headers[TOKEN_RENEWAL_HEADER]
    claims = decode_device_token(token_policy(settings).key, successor, clock.now)
    assert (claims.venue_id, str(claims.device_id)) == (demo.badger_id, device.device_id)

    clock.advance(minutes=1)
    assert client.get("/v1/player/commands", headers=bearer(successor)).status_code == 200
    clock.advance(minutes=1)
    ended = client.get("/v1/player/commands", headers=device.headers)
    assert ended.status_code == 401  # the successor's first use ended the old token


def test_only_a_tenant_admin_moves_and_never_across_tenants(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    device = pair(client, as_role("admin"), demo.fortescue_id)
    to_badger = {"toVenueId": str(demo.badger_id)}
    manager = client.post(
        move_url(demo.fortescue_id, device), json=to_badger, headers=as_role("manager")
    )
    assert manager.status_code == 403  # a manager of the venue, not of the tenant
    attacker = client.post(
        move_url(demo.fortescue_id, device), json=to_badger, headers=as_role("other_admin")
    )
    assert attacker.status_code == 404  # another tenant's admin does not see the venue
    pulled = client.post(  # the other tenant's admin, from its own venue: no such device there
        move_url(demo.other_venue_id, device), json=to_badger, headers=as_role("other_admin")
    )
    assert pulled.status_code == 404
    pushed = client.post(  # our admin, into another tenant's venue: no such venue
        move_url(demo.fortescue_id, device),
        json={"toVenueId": str(demo.other_venue_id)},
        headers=as_role("admin"),
    )
    assert pushed.status_code == 404
    same = client.post(
        move_url(demo.fortescue_id, device),
        json={"toVenueId": str(demo.fortescue_id)},
        headers=as_role("admin"),
    )
    assert same.status_code == 422
    with world.database.sessions() as session:
        row = session.get_one(Device, uuid.UUID(device.device_id))
    assert row.venue_id == demo.fortescue_id
    still = client.post("/v1/player/heartbeat", json=heartbeat_body(), headers=device.headers)
    assert still.status_code == 204  # nothing was revoked
