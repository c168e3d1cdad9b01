"""Pairing (§8, §26.5, §27.7): code on screen, claim by a manager, token collected once."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from signage.db.engine import Database
from signage.db.models import AuditEntry, Device, DevicePairing, Tenant, VenueEpoch
from signage.devices.pairing import CODE_ALPHABET, expire_stale
from signage.enums import DeviceLifecycle, PairingStatus, TenantStatus
from tests.support.devices import (
    PairedDevice,
    heartbeat_answer,
    heartbeat_body,
    pair,
    poll_status,
    start_pairing,
)
from tests.support.world import VenueWorld


def claim(client: TestClient, headers: dict, venue_id, code: str, name: str = "Screen"):
    return client.post(
        f"/v1/venues/{venue_id}/devices/pairing/claim",
        json={"pairingCode": code, "name": name},
        headers=headers,
    )


def test_start_gives_a_short_unambiguous_code_and_a_qr_payload(client: TestClient) -> None:
    started = start_pairing(client, "hw-abc-123")
    code = started["pairingCode"]
    assert len(code) == 9
    assert code[4] == "-"
    assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
    assert not set(code) & set("01OI")
    assert "code=" in started["qrPayload"]
    assert "hw=hw-abc-123" in started["qrPayload"]
    assert started["pollSeconds"] > 0
    assert len(started["pairingSecret"]) >= 32
    assert poll_status(client, started)["status"] == "PENDING"


def test_full_flow_hands_the_token_over_exactly_once(world: VenueWorld) -> None:
    client = world.client
    started = start_pairing(client)
    typed = started["pairingCode"].replace("-", "").lower()  # as a person might type it
    claimed = claim(client, world.as_role("manager"), world.demo.fortescue_id, typed, "Bar screen")
    assert claimed.status_code == 201
    device = claimed.json()
    assert device["name"] == "Bar screen"
    assert device["status"]["online"] is False
    first = poll_status(client, started)
    assert first["status"] == "COMPLETED"
    assert first["deviceId"] == device["deviceId"]
    assert first["deviceToken"]
    second = poll_status(client, started)
    assert second["status"] == "COMPLETED"
    assert second.get("deviceToken") is None
    beat = client.post(
        "/v1/player/heartbeat",
        json=heartbeat_body(),
        headers={"Authorization": f"Bearer {first['deviceToken']}"},
    )
    assert beat.status_code == 204


def test_status_needs_the_secret(client: TestClient) -> None:
    started = start_pairing(client)
    response = client.get(
        "/v1/devices/pairing/status",
        params={"pairingId": started["pairingId"], "pairingSecret": "x" * 43},
    )
    assert response.status_code == 404


def test_expired_codes_cannot_be_claimed_and_are_cleaned_up(world: VenueWorld) -> None:
    client, clock, database = world.client, world.clock, world.database
    started = start_pairing(client)
    stale = start_pairing(client)
    headers = world.as_role("manager")
    clock.advance(minutes=10, seconds=1)
    assert (
        claim(client, headers, world.demo.fortescue_id, started["pairingCode"]).status_code == 404
    )
    assert poll_status(client, started)["status"] == "EXPIRED"
    with database.unit_of_work() as session:
        assert expire_stale(session, clock.now) == 1  # `stale`; `started` expired when read
    with database.sessions() as session:
        statuses = set(session.scalars(select(DevicePairing.status)))
    assert statuses == {PairingStatus.EXPIRED}
    assert poll_status(client, stale)["status"] == "EXPIRED"


def test_a_code_cannot_be_claimed_twice(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    started = start_pairing(client)
    headers = as_role("manager")
    assert claim(client, headers, demo.fortescue_id, started["pairingCode"]).status_code == 201
    again = claim(client, as_role("admin"), demo.badger_id, started["pairingCode"])
    assert again.status_code == 409
    poll_status(client, started)  # completes
    assert claim(client, headers, demo.fortescue_id, started["pairingCode"]).status_code == 404


def test_claiming_into_another_tenants_venue_is_404(world: VenueWorld) -> None:
    client = world.client
    started = start_pairing(client)
    response = claim(
        client, world.as_role("admin"), world.demo.other_venue_id, started["pairingCode"]
    )
    assert response.status_code == 404
    assert poll_status(client, started)["status"] == "PENDING"


def test_editors_and_viewers_cannot_claim(world: VenueWorld) -> None:
    client = world.client
    started = start_pairing(client)
    for role in ("editor", "viewer", "tviewer"):
        assert (
            claim(
                client, world.as_role(role), world.demo.fortescue_id, started["pairingCode"]
            ).status_code
            == 403
        )


def test_guessing_codes_is_rate_limited(world: VenueWorld) -> None:
    headers = world.as_role("admin")
    answers = [
        claim(world.client, headers, world.demo.fortescue_id, f"ZZZZ{i:04d}").status_code
        for i in range(11)
    ]
    assert answers[:10] == [404] * 10
    assert answers[10] == 429


def test_repairing_in_the_same_venue_keeps_the_device_and_revokes_the_old_token(
    world: VenueWorld,
) -> None:
    client, demo = world.client, world.demo
    headers = world.as_role("manager")
    first = pair(client, headers, demo.fortescue_id, hardware_id="hw-same-box")
    second = pair(client, headers, demo.fortescue_id, "Renamed", hardware_id="hw-same-box")
    assert second.device_id == first.device_id
    assert heartbeat_answer(client, first.headers) == 401
    assert heartbeat_answer(client, second.headers) == 204
    repaired = [
        e.details.get("repaired") for e in audit_of(world.database, demo.tenant_id, "DEVICE_PAIRED")
    ]
    assert repaired == [False, True]  # the first pairing, then the re-pairing


def test_repairing_elsewhere_removes_the_old_device(world: VenueWorld) -> None:
    client, demo, as_role, database = world.client, world.demo, world.as_role, world.database
    first = pair(client, as_role("manager"), demo.fortescue_id, hardware_id="hw-moving")
    moved = pair(client, as_role("admin"), demo.badger_id, hardware_id="hw-moving")
    assert moved.device_id != first.device_id
    with database.sessions() as session:
        old = session.get_one(Device, first.device_id)
    assert old.status is DeviceLifecycle.REMOVED
    assert heartbeat_answer(client, first.headers) == 401
    [removal] = audit_of(database, demo.tenant_id, "DEVICE_REMOVED")
    assert removal.target_id == first.device_id
    assert removal.actor_id == demo.user_ids["admin"]
    assert removal.details == {
        "reason": "REPAIRED_ELSEWHERE",
        "venueId": str(demo.fortescue_id),
        "newVenueId": str(demo.badger_id),
        "newDeviceId": moved.device_id,
    }


def test_a_manager_of_both_venues_moves_a_screen_between_them(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    roles = {str(demo.fortescue_id): "VENUE_MANAGER", str(demo.badger_id): "VENUE_MANAGER"}
    granted = client.put(
        f"/v1/tenants/{demo.tenant_id}/users/{demo.user_ids['manager']}/venue-roles",
        json={"venueRoles": [{"venueId": v, "role": r} for v, r in roles.items()]},
        headers=as_role("admin"),
    )
    assert granted.status_code == 200, granted.text
    first = pair(client, as_role("manager"), demo.fortescue_id, hardware_id="hw-both")
    moved = pair(client, as_role("manager"), demo.badger_id, hardware_id="hw-both")
    assert moved.device_id != first.device_id
    assert heartbeat_answer(client, first.headers) == 401
    assert heartbeat_answer(client, moved.headers) == 204
    [removal] = audit_of(world.database, demo.tenant_id, "DEVICE_REMOVED")
    assert removal.target_id == first.device_id


def test_pairing_moves_the_epoch_and_is_audited(world: VenueWorld) -> None:
    demo, database = world.demo, world.database
    with database.sessions() as session:
        before = session.get_one(VenueEpoch, demo.fortescue_id).manifest_epoch
    device = pair(world.client, world.as_role("manager"), demo.fortescue_id)
    with database.sessions() as session:
        assert session.get_one(VenueEpoch, demo.fortescue_id).manifest_epoch > before
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "DEVICE_PAIRED"))
    assert entry is not None
    assert entry.target_id == device.device_id
    assert entry.actor_id == demo.user_ids["manager"]


def test_disabling_the_tenant_revokes_its_device_tokens(world: VenueWorld) -> None:
    client, demo = world.client, world.demo
    device = pair(client, world.as_role("manager"), demo.fortescue_id)
    with world.database.unit_of_work() as session:
        session.execute(
            update(Tenant).where(Tenant.id == demo.tenant_id).values(status=TenantStatus.DISABLED)
        )
    assert (
        client.post(
            "/v1/player/heartbeat", json=heartbeat_body(), headers=device.headers
        ).status_code
        == 401
    )


# -- a hardware id is not a key to someone else's screen (issue 13 item 1) ---------------------


def audit_of(database: Database, tenant_id: uuid.UUID, action: str) -> list[AuditEntry]:
    with database.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.tenant_id == tenant_id, AuditEntry.action == action
                )
            )
        )


def hijack(client: TestClient, headers: dict, venue_id, victim: PairedDevice) -> dict:
    """Start a pairing with the victim's (public) hardware id and claim it as `headers`."""
    started = start_pairing(client, victim.hardware_id)
    claimed = claim(client, headers, venue_id, started["pairingCode"], "Hijacked")
    assert claimed.status_code == 201, claimed.text
    collected = poll_status(client, started)
    assert collected["status"] == "COMPLETED"
    return collected


def test_starting_a_pairing_with_a_paired_screens_hardware_id_changes_nothing(
    world: VenueWorld,
) -> None:
    client, database = world.client, world.database
    victim = pair(
        client, world.as_role("manager"), world.demo.fortescue_id, hardware_id="hw-victim-1"
    )
    with database.sessions() as session:
        before = session.get_one(Device, victim.device_id).version
    started = start_pairing(client, victim.hardware_id)
    assert poll_status(client, started)["status"] == "PENDING"
    assert heartbeat_answer(client, victim.headers) == 204
    with database.sessions() as session:
        after = session.get_one(Device, victim.device_id)
    assert (after.status, after.version) == (DeviceLifecycle.ACTIVE, before)


def test_another_tenant_cannot_take_over_a_screen_by_its_hardware_id(world: VenueWorld) -> None:
    client, demo, as_role, database = world.client, world.demo, world.as_role, world.database
    victim = pair(client, as_role("manager"), demo.fortescue_id, hardware_id="hw-victim-2")
    attackers = hijack(client, as_role("other_admin"), demo.other_venue_id, victim)

    assert attackers["deviceId"] != victim.device_id  # a separate device, in their own tenant
    seen = client.get(
        f"/v1/venues/{demo.fortescue_id}/devices/{victim.device_id}", headers=as_role("admin")
    )
    assert seen.status_code == 200
    assert seen.json()["name"] == "Bar screen"
    assert heartbeat_answer(client, victim.headers) == 204
    assert audit_of(database, demo.tenant_id, "DEVICE_REMOVED") == []
    [claimed] = audit_of(database, demo.other_tenant_id, "DEVICE_PAIRED")
    assert claimed.target_id == attackers["deviceId"]
    with database.sessions() as session:
        theirs = session.get_one(Device, attackers["deviceId"])
    assert (theirs.tenant_id, theirs.venue_id) == (demo.other_tenant_id, demo.other_venue_id)


def test_a_manager_of_one_venue_cannot_take_over_a_screen_of_another(world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    victim = pair(client, as_role("admin"), demo.badger_id, hardware_id="hw-victim-3")
    managers = hijack(client, as_role("manager"), demo.fortescue_id, victim)

    assert managers["deviceId"] != victim.device_id
    seen = client.get(
        f"/v1/venues/{demo.badger_id}/devices/{victim.device_id}", headers=as_role("admin")
    )
    assert seen.status_code == 200
    assert heartbeat_answer(client, victim.headers) == 204
    assert audit_of(world.database, demo.tenant_id, "DEVICE_REMOVED") == []
