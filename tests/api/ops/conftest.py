"""A small fleet paired and reporting through the public API, with alerts evaluated on it.

Fortescue Arms: "Bar" plays, "Screen" shows the error screen, "Lounge" went silent.
Grumpy Badger Café: "Cafe" went silent. Other Tavern (another tenant): "Tavern" went silent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from signage.alerts.evaluation import evaluate_alerts
from signage.alerts.rules import AlertThresholds
from signage.db.engine import Database
from tests.support.clock import FakeClock
from tests.support.demo import Demo
from tests.support.devices import PairedDevice, heartbeat_body, pair


@dataclass
class OpsFleet:
    client: TestClient
    database: Database
    clock: FakeClock
    devices: dict[str, PairedDevice]

    def beat(self, name: str, **overrides: object) -> None:
        response = self.client.post(
            "/v1/player/heartbeat",
            json=heartbeat_body(**overrides),
            headers=self.devices[name].headers,
        )
        assert response.status_code == 204, response.text

    def evaluate(self) -> None:
        with self.database.unit_of_work() as session:
            evaluate_alerts(session, self.clock.now, AlertThresholds())

    def device_id(self, name: str) -> str:
        return self.devices[name].device_id


@pytest.fixture
def ops_fleet(
    client: TestClient,
    database: Database,
    clock: FakeClock,
    demo: Demo,
    as_role: Callable[[str], dict[str, str]],
) -> OpsFleet:
    placements = {
        "Bar": ("manager", demo.fortescue_id),
        "Screen": ("manager", demo.fortescue_id),
        "Lounge": ("manager", demo.fortescue_id),
        "Cafe": ("admin", demo.badger_id),
        "Tavern": ("other_admin", demo.other_venue_id),
    }
    devices = {
        name: pair(client, as_role(role), venue, name=name)
        for name, (role, venue) in placements.items()
    }
    fleet = OpsFleet(client, database, clock, devices)
    for name in devices:
        fleet.beat(name)
    for _ in range(5):  # five minutes: Bar plays, Screen is stuck on its error screen
        clock.advance(seconds=60)
        fleet.beat("Bar")
        fleet.beat("Screen", state="ERROR_SCREEN")
    fleet.evaluate()
    return fleet
