"""GET /v1/venues/{venueId}/uptime and /error-trends over the warehouse rollups (issue 17 item 4):
one point per period, values from the venue's own rows only, tenant-scoped, bad windows 422."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.support.world import VenueWorld
from warehouse.layout import WarehouseLayout

Signer = Callable[[str], dict[str, str]]


def test_uptime_per_day_over_the_last_30_days_by_default(
    rollups: WarehouseLayout, world: VenueWorld
) -> None:
    answer = world.client.get(
        f"/v1/venues/{world.demo.fortescue_id}/uptime", headers=world.as_role("viewer")
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["granularity"] == "day"
    points = body["points"]
    assert len(points) == 30
    assert [p["uptimePct"] for p in points[-4:]] == [50.0, 75.0, 100.0, None]
    assert points[-2]["devices"] == 2  # Fortescue's two screens, not Badger's or the tavern
    assert points[0]["uptimePct"] is None


def test_error_trends_per_hour_in_a_window(rollups: WarehouseLayout, world: VenueWorld) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    today = world.clock.now.replace(hour=0, minute=0, second=0, microsecond=0)
    params = {
        "from": (today - timedelta(hours=6)).isoformat(),
        "to": today.isoformat(),
        "granularity": "hour",
    }
    answer = client.get(
        f"/v1/venues/{demo.fortescue_id}/error-trends", params=params, headers=as_role("manager")
    )
    assert answer.status_code == 200, answer.text
    points = answer.json()["points"]
    assert [p["downloadFailures"] for p in points] == [0, 8, 0, 0, 0, 0]
    assert points[1]["failures"] == 8
    daily = client.get(f"/v1/venues/{demo.fortescue_id}/error-trends", headers=as_role("admin"))
    assert [p["playbackFailures"] for p in daily.json()["points"][-4:]] == [4, 4, 4, 0]
    assert [p["errorEvents"] for p in daily.json()["points"][-4:]] == [2, 2, 2, 0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-06-10T00:00:00Z", "to": "2026-06-01T00:00:00Z"}, "query.to"),
        (
            {"from": "2026-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z", "granularity": "hour"},
            "query.from",
        ),
        ({"granularity": "minute"}, "query.granularity"),
        ({"from": "yesterday"}, "query.from"),
    ],
)
def test_bad_windows_are_422_naming_the_parameter(
    rollups: WarehouseLayout, world: VenueWorld, params: dict[str, str], field: str
) -> None:
    for route in ("uptime", "error-trends"):
        answer = world.client.get(
            f"/v1/venues/{world.demo.fortescue_id}/{route}",
            params=params,
            headers=world.as_role("viewer"),
        )
        assert answer.status_code == 422, answer.text
        assert any(e["location"].startswith(field) for e in answer.json()["errors"]), answer.text


def test_other_tenants_and_venues_without_a_role_see_nothing(
    rollups: WarehouseLayout, world: VenueWorld
) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    for route in ("uptime", "error-trends"):
        assert (
            client.get(
                f"/v1/venues/{demo.fortescue_id}/{route}", headers=as_role("other_admin")
            ).status_code
            == 404
        )
        assert (
            client.get(
                f"/v1/venues/{demo.badger_id}/{route}", headers=as_role("viewer")
            ).status_code
            == 404
        )
        assert client.get(f"/v1/venues/{demo.fortescue_id}/{route}").status_code == 401
