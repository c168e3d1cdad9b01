"""GET /v1/venues/{venueId}/alerts and GET /v1/alerts: fields, filters, pagination, roles and
tenant isolation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.ops.fleet import OpsFleet
from tests.support.world import VenueWorld

Signer = Callable[[str], dict[str, str]]


def alerts_of(client: TestClient, url: str, headers: dict[str, str], **params: object) -> dict:
    response = client.get(url, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_venues_alerts_carry_what_triage_needs(ops_fleet: OpsFleet, world: VenueWorld) -> None:
    demo = world.demo
    body = alerts_of(
        world.client, f"/v1/venues/{demo.fortescue_id}/alerts", world.as_role("viewer")
    )
    assert body["nextCursor"] is None
    (alert,) = body["items"]
    assert alert["deviceId"] == ops_fleet.device_id("Lounge")
    assert alert["deviceName"] == "Lounge"
    assert alert["venueId"] == str(demo.fortescue_id)
    assert (alert["type"], alert["severity"], alert["status"]) == (
        "DEVICE_OFFLINE",
        "ERROR",
        "OPEN",
    )
    assert alert["openedAtUtc"] == alert["lastSeenAtUtc"]
    assert alert["resolvedAtUtc"] is None
    assert 54 <= alert["details"]["heartbeatIntervalSeconds"] <= 66  # 60 s, jittered per device
    assert alert["details"]["lastHeartbeatAtUtc"].startswith("2026-06-15T12:00:00")
    assert set(alert) == {
        "alertId",
        "venueId",
        "deviceId",
        "deviceName",
        "type",
        "severity",
        "status",
        "openedAtUtc",
        "lastSeenAtUtc",
        "resolvedAtUtc",
        "details",
        "state",
        "acknowledgedAtUtc",
        "acknowledgedByUserId",
        "acknowledgementNote",
    }


def test_status_filter_separates_open_from_resolved(ops_fleet: OpsFleet, world: VenueWorld) -> None:
    client = world.client
    ops_fleet.beat("Lounge")  # back
    ops_fleet.evaluate()
    url, headers = f"/v1/venues/{world.demo.fortescue_id}/alerts", world.as_role("manager")
    assert alerts_of(client, url, headers, status="OPEN")["items"] == []
    (resolved,) = alerts_of(client, url, headers, status="RESOLVED")["items"]
    assert resolved["resolvedAtUtc"] is not None
    assert alerts_of(client, url, headers, type="DEVICE_OFFLINE")["items"] == [resolved]
    assert alerts_of(client, url, headers, type="ERROR_SPIKE")["items"] == []
    assert alerts_of(client, url, headers, severity="ERROR")["items"] == [resolved]


def test_tenant_wide_list_pages_newest_first(
    ops_fleet: OpsFleet, client: TestClient, as_role: Signer
) -> None:
    ops_fleet.clock.advance(seconds=60)
    ops_fleet.beat("Lounge", appVersion="0.9.0")  # back (offline resolves) but outdated
    ops_fleet.evaluate()
    headers = as_role("admin")
    everything = alerts_of(client, "/v1/alerts", headers)["items"]
    assert everything[0]["type"] == "OUTDATED_APP_VERSION"  # the newest
    openings = [a["openedAtUtc"] for a in everything]
    assert openings == sorted(openings, reverse=True)

    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = alerts_of(client, "/v1/alerts", headers, **params)
        seen += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == everything


def test_each_role_sees_the_alerts_of_the_venues_it_may_read(
    ops_fleet: OpsFleet, client: TestClient, as_role: Signer
) -> None:
    def devices_seen(role: str) -> set[str]:
        items = alerts_of(client, "/v1/alerts", as_role(role))["items"]
        return {a["deviceName"] for a in items}

    assert devices_seen("admin") == {"Lounge", "Cafe"}
    assert devices_seen("tviewer") == {"Lounge", "Cafe"}
    for role in ("manager", "editor", "viewer"):  # roles at Fortescue only
        assert devices_seen(role) == {"Lounge"}
    assert devices_seen("other_admin") == {"Tavern"}


def test_another_tenants_venue_and_an_unassigned_venue_are_not_found(
    ops_fleet: OpsFleet, world: VenueWorld
) -> None:
    demo = world.demo
    for role, venue_id in (("admin", demo.other_venue_id), ("viewer", demo.badger_id)):
        response = world.client.get(f"/v1/venues/{venue_id}/alerts", headers=world.as_role(role))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "params",
    [
        {"status": "BROKEN"},
        {"type": "ON_FIRE"},
        {"severity": "CRITICAL"},
        {"limit": 0},
        {"limit": 201},
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJub3QgYSB0aW1lIiwgIngiXQ"},  # ["not a time", "x"]
    ],
)
def test_bad_query_parameters_are_problem_422s(
    ops_fleet: OpsFleet, world: VenueWorld, params: dict
) -> None:
    for url in ("/v1/alerts", f"/v1/venues/{world.demo.fortescue_id}/alerts"):
        response = world.client.get(url, headers=world.as_role("admin"), params=params)
        assert response.status_code == 422, (url, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 422
