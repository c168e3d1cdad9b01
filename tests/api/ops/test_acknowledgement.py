"""POST /v1/alerts/{alertId}/acknowledge and the alert states (issue 17 item 3): who may act,
what is recorded and audited, and how the state filter and resolution treat it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from signage.db.models import AuditEntry
from tests.api.ops.fleet import OpsFleet
from tests.support.demo import Demo
from tests.support.world import VenueWorld

Signer = Callable[[str], dict[str, str]]


def lounge_alert(client: TestClient, demo: Demo, headers: dict[str, str]) -> dict:
    url = f"/v1/venues/{demo.fortescue_id}/alerts"
    (alert,) = client.get(url, headers=headers).json()["items"]
    return alert


def acknowledge(client: TestClient, alert_id: str, headers: dict[str, str], **body: object):
    return client.post(f"/v1/alerts/{alert_id}/acknowledge", json=body or None, headers=headers)


def test_a_manager_acknowledges_with_a_note_and_it_is_audited(
    ops_fleet: OpsFleet, world: VenueWorld
) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    alert = lounge_alert(client, demo, as_role("viewer"))
    assert (alert["state"], alert["acknowledgedAtUtc"]) == ("OPEN", None)
    answer = acknowledge(client, alert["alertId"], as_role("manager"), note="Unplugged, on it")
    assert answer.status_code == 200, answer.text
    acknowledged = answer.json()
    assert (acknowledged["state"], acknowledged["status"]) == ("ACKNOWLEDGED", "OPEN")
    assert acknowledged["acknowledgedByUserId"] == str(demo.user_ids["manager"])
    assert acknowledged["acknowledgedAtUtc"] == ops_fleet.clock.now.isoformat().replace(
        "+00:00", "Z"
    )
    assert acknowledged["acknowledgementNote"] == "Unplugged, on it"
    assert acknowledged["deviceName"] == "Lounge"
    assert lounge_alert(client, demo, as_role("viewer")) == acknowledged
    with world.database.sessions() as session:
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ALERT_ACKNOWLEDGED")
        )
        assert entry.actor_id == demo.user_ids["manager"]
        assert entry.target_id == alert["alertId"]
        assert entry.details["note"] == "Unplugged, on it"


def test_acknowledging_twice_keeps_the_first_and_audits_once(
    ops_fleet: OpsFleet, world: VenueWorld
) -> None:
    client, as_role = world.client, world.as_role
    alert_id = lounge_alert(client, world.demo, as_role("viewer"))["alertId"]
    first = acknowledge(client, alert_id, as_role("manager")).json()
    ops_fleet.clock.advance(seconds=60)
    again = acknowledge(client, alert_id, as_role("admin"), note="me too")
    assert again.status_code == 200
    assert again.json() == first
    with world.database.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ALERT_ACKNOWLEDGED")
        )
        assert len(list(entries)) == 1


def test_viewers_and_editors_may_not_acknowledge_and_other_tenants_do_not_see_it(
    ops_fleet: OpsFleet, world: VenueWorld
) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    alert_id = lounge_alert(client, demo, as_role("viewer"))["alertId"]
    assert acknowledge(client, alert_id, as_role("viewer")).status_code == 403
    assert acknowledge(client, alert_id, as_role("editor")).status_code == 403
    assert acknowledge(client, alert_id, as_role("other_admin")).status_code == 404
    assert lounge_alert(client, demo, as_role("viewer"))["state"] == "OPEN"


def test_a_resolved_alert_cannot_be_acknowledged_and_keeps_who_took_it_on(
    ops_fleet: OpsFleet, world: VenueWorld
) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    alert_id = lounge_alert(client, demo, as_role("viewer"))["alertId"]
    acknowledge(client, alert_id, as_role("manager"))
    ops_fleet.beat("Lounge")
    ops_fleet.evaluate()
    resolved = lounge_alert(client, demo, as_role("viewer"))
    assert (resolved["state"], resolved["status"]) == ("RESOLVED", "RESOLVED")
    assert resolved["acknowledgedByUserId"] == str(demo.user_ids["manager"])
    refused = acknowledge(client, alert_id, as_role("manager"))
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"


def test_the_state_filter_separates_open_acknowledged_and_resolved(
    ops_fleet: OpsFleet, world: VenueWorld
) -> None:
    client = world.client
    headers = world.as_role("admin")

    def states(state: str) -> list[str]:
        found = client.get("/v1/alerts", params={"state": state}, headers=headers).json()
        return sorted(a["deviceName"] for a in found["items"])

    lounge = lounge_alert(client, world.demo, headers)["alertId"]
    acknowledge(client, lounge, headers)
    assert states("ACKNOWLEDGED") == ["Lounge"]
    assert states("OPEN") == ["Cafe"]
    assert states("RESOLVED") == []
    assert client.get("/v1/alerts", params={"state": "SNOOZED"}, headers=headers).status_code == 422


def test_a_note_longer_than_allowed_is_refused_naming_the_field(
    ops_fleet: OpsFleet, world: VenueWorld
) -> None:
    client, as_role = world.client, world.as_role
    alert_id = lounge_alert(client, world.demo, as_role("viewer"))["alertId"]
    refused = acknowledge(client, alert_id, as_role("manager"), note="x" * 1001)
    assert refused.status_code == 422
    assert "note" in refused.text
