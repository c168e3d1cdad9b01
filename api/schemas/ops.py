"""Wire models of the operations views (§21 Dashboard and Alerts; extensions to §27, listed in
docs/api-extensions.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from api.schemas.base import ApiModel
from signage.alerts.acknowledgement import NOTE_MAX_LENGTH
from signage.enums import AlertState, AlertStatus, AlertType, EventSeverity


class AlertOut(ApiModel):
    alert_id: uuid.UUID
    venue_id: uuid.UUID
    device_id: uuid.UUID | None
    device_name: str | None
    type: AlertType
    severity: EventSeverity
    status: AlertStatus
    opened_at_utc: datetime
    last_seen_at_utc: datetime = Field(description="Last evaluation that found it still true")
    resolved_at_utc: datetime | None
    details: dict[str, Any] = Field(description="Facts behind the alert; keys depend on type")
    state: AlertState = Field(
        description="OPEN, ACKNOWLEDGED (open and taken on) or RESOLVED (issue 17 item 3)"
    )
    acknowledged_at_utc: datetime | None
    acknowledged_by_user_id: uuid.UUID | None
    acknowledgement_note: str | None


class AcknowledgeIn(ApiModel):
    note: str | None = Field(default=None, max_length=NOTE_MAX_LENGTH)


class DeviceCountsOut(ApiModel):
    """Disjoint: total = online + error + offline."""

    total: int
    online: int
    error: int = Field(description="Online but showing the error screen (§28.4)")
    offline: int
    last_heartbeat_at_utc: datetime | None


class PlaybackHealthOut(ApiModel):
    """Of the devices that are online (online + error): what an offline screen shows is unknown."""

    playing: int
    not_playing: int


class OpenAlertCountsOut(ApiModel):
    total: int
    by_type: dict[AlertType, int]
    by_severity: dict[EventSeverity, int]
    oldest_opened_at_utc: datetime | None


class HealthOut(ApiModel):
    devices: DeviceCountsOut
    playback: PlaybackHealthOut
    open_alerts: OpenAlertCountsOut


class VenueHealthOut(HealthOut):
    venue_id: uuid.UUID
    name: str
    timezone: str


class DashboardOut(ApiModel):
    generated_at_utc: datetime
    totals: HealthOut = Field(description="Over every venue the caller may see, not one page")
    items: list[VenueHealthOut]
    next_cursor: str | None = None


class ReadinessOut(ApiModel):
    """GET /readyz: `ok` with 200, `unavailable` with 503; each check's outcome by name."""

    status: str
    checks: dict[str, str]
