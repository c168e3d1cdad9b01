"""Wire models of the venue trend endpoints (issue 17 item 4; extensions to §27)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from api.schemas.base import ApiModel

Granularity = Literal["hour", "day"]


class UptimePointOut(ApiModel):
    period_start_utc: datetime
    uptime_pct: float | None = Field(description="None: no rollup for the period yet")
    devices: int = Field(description="Devices that reported in the period's rollup")
    online_minutes: float


class UptimeOut(ApiModel):
    venue_id: uuid.UUID
    granularity: Granularity
    from_utc: datetime
    to_utc: datetime
    points: list[UptimePointOut]


class ErrorPointOut(ApiModel):
    period_start_utc: datetime
    failures: int = Field(description="playback + download + manifest-fetch failures")
    playback_failures: int
    download_failures: int
    manifest_fetch_failures: int
    error_events: int
    warning_events: int


class ErrorTrendsOut(ApiModel):
    venue_id: uuid.UUID
    granularity: Granularity
    from_utc: datetime
    to_utc: datetime
    points: list[ErrorPointOut]
