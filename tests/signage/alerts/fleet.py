"""A simulated fleet for alert tests: devices in the demo tenant whose heartbeats and events
go through the real ingest code (signage.telemetry.ingest) on a FakeClock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from signage.alerts.evaluation import EvaluationSummary, evaluate_alerts
from signage.alerts.rules import AlertThresholds, DeviceFacts, heartbeat_interval_of
from signage.auth.principal import DevicePrincipal
from signage.db.engine import Database
from signage.db.models import Alert, Device
from signage.enums import AlertType, DeviceEventType, EventSeverity, NetworkType, PlayerState
from signage.telemetry import ingest
from tests.support.clock import FakeClock

GIB = 1024**3


def heartbeat(**overrides: Any) -> ingest.Heartbeat:
    """A healthy §27.8.2 heartbeat; override any field."""
    values: dict[str, Any] = {f.name: None for f in fields(ingest.Heartbeat)}
    values.update(
        app_version="1.2.0",
        state=PlayerState.PLAYING,
        cache_total_bytes=2 * GIB,
        cache_used_bytes=GIB // 2,
        network_connected=True,
        network_type=NetworkType.ETHERNET,
    )
    values.update(overrides)
    return ingest.Heartbeat(**values)


@dataclass
class Fleet:
    database: Database
    clock: FakeClock
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    devices: dict[str, DevicePrincipal] = field(default_factory=dict)

    def add(self, name: str, tenant_id: uuid.UUID, venue_id: uuid.UUID) -> DevicePrincipal:
        with self.database.unit_of_work() as session:
            device = Device(
                tenant_id=tenant_id,
                venue_id=venue_id,
                name=name,
                created_at=self.clock.now,
                updated_at=self.clock.now,
            )
            session.add(device)
            session.flush()
            principal = DevicePrincipal(device.id, venue_id, tenant_id)
        self.devices[name] = principal
        return principal

    def beat(self, *names: str, **overrides: Any) -> None:
        with self.database.unit_of_work() as session:
            for name in names:
                ingest.record_heartbeat(
                    session, self.devices[name], heartbeat(**overrides), self.clock.now
                )

    def events(
        self,
        name: str,
        count: int,
        event_type: DeviceEventType = DeviceEventType.PLAYBACK_FAILED,
        severity: EventSeverity = EventSeverity.ERROR,
    ) -> None:
        batch = [
            ingest.Event(uuid.uuid4(), event_type, severity, self.clock.now, {"n": n})
            for n in range(count)
        ]
        with self.database.unit_of_work() as session:
            ingest.record_events(session, self.devices[name], batch, self.clock.now)

    def tick(self, seconds: int, *beating: str) -> None:
        """Let `seconds` pass in steps of a minute (or less), the `beating` devices reporting
        at the end of every step as healthy players do."""
        remaining = seconds
        while remaining > 0:
            step = min(60, remaining)
            self.clock.advance(seconds=step)
            remaining -= step
            if beating:
                self.beat(*beating)

    def silence_limit(self, name: str) -> int:
        """Seconds of silence after which `name` is offline: 3 of its own intervals."""
        device = self.devices[name]
        facts = DeviceFacts(device.device_id, device.tenant_id, device.venue_id, self.clock.now)
        interval = heartbeat_interval_of(facts, self.thresholds)
        limit = self.thresholds.missed_heartbeats * interval
        assert limit % timedelta(seconds=1) == timedelta(0)
        return int(limit.total_seconds())

    def evaluate(self) -> EvaluationSummary:
        with self.database.unit_of_work() as session:
            return evaluate_alerts(session, self.clock.now, self.thresholds)

    def alerts(self, name: str | None = None, alert_type: AlertType | None = None) -> list[Alert]:
        statement = select(Alert).order_by(Alert.opened_at, Alert.id)
        if name is not None:
            statement = statement.where(Alert.device_id == self.devices[name].device_id)
        if alert_type is not None:
            statement = statement.where(Alert.type == alert_type)
        with self.database.sessions() as session:
            return list(session.scalars(statement))
