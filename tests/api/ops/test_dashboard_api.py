"""GET /v1/ops/dashboard: per visible venue, device status, playback health and open alerts;
totals over every visible venue; pages; roles and tenant isolation."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.api.ops.fleet import OpsFleet

Signer = Callable[[str], dict[str, str]]
NO_ALERTS_BY_TYPE = {
    "DEVICE_OFFLINE": 0,
    "ERROR_SPIKE": 0,
    "LOW_CACHE_HEADROOM": 0,
    "REPEATED_DOWNLOAD_FAILURES": 0,
    "OUTDATED_APP_VERSION": 0,
}


def dashboard(client: TestClient, headers: dict[str, str], **params: object) -> dict:
    response = client.get("/v1/ops/dashboard", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_dashboard_counts_devices_playback_and_open_alerts_per_venue(
    ops_fleet: OpsFleet, client: TestClient, as_role: Signer
) -> None:
    body = dashboard(client, as_role("admin"))
    assert body["generatedAtUtc"].startswith("2026-06-15T12:05:00")
    assert body["nextCursor"] is None
    fortescue, badger = body["items"]
    assert (fortescue["name"], badger["name"]) == ("Fortescue Arms", "Grumpy Badger Café")

    assert fortescue["devices"] == {
        "total": 3,
        "online": 1,
        "error": 1,
        "offline": 1,
        "lastHeartbeatAtUtc": body["generatedAtUtc"],
    }
    assert fortescue["playback"] == {"playing": 1, "notPlaying": 1}
    assert fortescue["openAlerts"]["total"] == 1
    assert fortescue["openAlerts"]["byType"] == {**NO_ALERTS_BY_TYPE, "DEVICE_OFFLINE": 1}
    assert fortescue["openAlerts"]["bySeverity"] == {"INFO": 0, "WARNING": 0, "ERROR": 1}
    assert fortescue["openAlerts"]["oldestOpenedAtUtc"] == body["generatedAtUtc"]

    assert badger["devices"]["offline"] == badger["devices"]["total"] == 1
    assert badger["playback"] == {"playing": 0, "notPlaying": 0}

    totals = body["totals"]
    assert {k: v for k, v in totals["devices"].items() if k != "lastHeartbeatAtUtc"} == {
        "total": 4,
        "online": 1,
        "error": 1,
        "offline": 2,
    }
    assert totals["openAlerts"]["total"] == 2
    assert totals["openAlerts"]["byType"]["DEVICE_OFFLINE"] == 2


def test_dashboard_follows_the_fleet_as_time_moves(
    ops_fleet: OpsFleet, client: TestClient, as_role: Signer
) -> None:
    ops_fleet.clock.advance(seconds=60)
    ops_fleet.beat("Lounge")  # back
    ops_fleet.beat("Screen")  # recovered from its error screen
    ops_fleet.evaluate()
    fortescue = dashboard(client, as_role("manager"))["items"][0]
    assert fortescue["devices"]["online"] == 3
    assert fortescue["playback"] == {"playing": 3, "notPlaying": 0}
    assert fortescue["openAlerts"]["total"] == 0

    ops_fleet.clock.advance(seconds=151)  # past the online window for everyone (150 s)
    fortescue = dashboard(client, as_role("manager"))["items"][0]
    assert fortescue["devices"]["offline"] == 3
    assert fortescue["playback"] == {"playing": 0, "notPlaying": 0}


def test_venue_roles_see_their_venues_and_tenant_roles_see_all(
    ops_fleet: OpsFleet, client: TestClient, as_role: Signer
) -> None:
    def venues(role: str) -> list[str]:
        return [v["name"] for v in dashboard(client, as_role(role))["items"]]

    assert venues("admin") == venues("tviewer") == ["Fortescue Arms", "Grumpy Badger Café"]
    for role in ("manager", "editor", "viewer"):
        assert venues(role) == ["Fortescue Arms"]
    assert venues("other_admin") == ["Other Tavern"]

    viewer = dashboard(client, as_role("viewer"))
    assert viewer["totals"]["devices"]["total"] == 3  # only what the viewer may see
    other = dashboard(client, as_role("other_admin"))
    assert other["totals"]["devices"]["total"] == 1
    assert other["totals"]["openAlerts"]["total"] == 1


def test_dashboard_pages_venues_but_totals_cover_them_all(
    ops_fleet: OpsFleet, client: TestClient, as_role: Signer
) -> None:
    first = dashboard(client, as_role("admin"), limit=1)
    assert [v["name"] for v in first["items"]] == ["Fortescue Arms"]
    second = dashboard(client, as_role("admin"), limit=1, cursor=first["nextCursor"])
    assert [v["name"] for v in second["items"]] == ["Grumpy Badger Café"]
    assert second["nextCursor"] is None
    assert first["totals"] == second["totals"]
    assert first["totals"]["devices"]["total"] == 4


def test_dashboard_refuses_a_bad_cursor_and_anonymous_callers(
    ops_fleet: OpsFleet, client: TestClient, as_role: Signer
) -> None:
    bad = client.get("/v1/ops/dashboard", headers=as_role("admin"), params={"cursor": "%%%"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    anonymous = client.get("/v1/ops/dashboard")
    assert anonymous.status_code == 401
    device = client.get("/v1/ops/dashboard", headers=ops_fleet.devices["Bar"].headers)
    assert device.status_code == 401
