"""The ops tests' fleet, for tests to import (never from a conftest): paired screens that beat
through the public API, and alerts evaluated on them."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from signage.alerts.evaluation import evaluate_alerts
from signage.alerts.rules import AlertThresholds
from signage.db.engine import Database
from tests.support.clock import FakeClock
from tests.support.devices import PairedDevice, heartbeat_body


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
