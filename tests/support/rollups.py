"""Warehouse rollups for the demo tenant, written as the nightly and hourly jobs would, for the
trend endpoints and charts (issue 17 item 4)."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from signage.config import Settings
from tests.support.clock import FakeClock
from tests.support.demo import Demo
from warehouse.layout import WarehouseLayout
from warehouse.rollups import DEVICE_DAILY, DEVICE_HOURLY
from warehouse.store import write_day_partition, write_partition

DAY = 86400


def device_rows(demo: Demo, time_column: str, at: datetime, **figures: object) -> pl.DataFrame:
    """Two devices of Fortescue and one of the other tenant's venue, the same figures each."""
    schema = DEVICE_DAILY.schema if time_column == "day_start" else DEVICE_HOURLY.schema
    placements = [
        (demo.tenant_id, demo.fortescue_id, "bar"),
        (demo.tenant_id, demo.fortescue_id, "lounge"),
        (demo.tenant_id, demo.badger_id, "cafe"),
        (demo.other_tenant_id, demo.other_venue_id, "tavern"),
    ]
    rows = [
        {"tenant_id": str(t), "venue_id": str(v), "device_id": d, time_column: at, **figures}
        for t, v, d in placements
    ]
    return pl.DataFrame(rows, schema=schema)


@pytest.fixture
def rollups(settings: Settings, demo: Demo, clock: FakeClock) -> WarehouseLayout:
    """Fortescue: the last 3 days at 50 %, 75 % and 100 % uptime, 2 playback failures a day."""
    layout = WarehouseLayout.from_settings(settings)
    today = clock.now.replace(hour=0, minute=0, second=0, microsecond=0)
    for days_ago, pct in ((3, 50), (2, 75), (1, 100)):
        day = today - timedelta(days=days_ago)
        frame = device_rows(
            demo,
            "day_start",
            day,
            heartbeats=100,
            online_seconds=DAY * pct / 100,
            playback_failures=2,
            error_events=1,
        )
        write_day_partition(layout, DEVICE_DAILY.name, day, frame)
    hour = today - timedelta(hours=5)
    frame = device_rows(
        demo, "hour_start", hour, heartbeats=60, online_seconds=1800.0, download_failures=4
    )
    write_partition(layout, DEVICE_HOURLY.name, hour, frame)
    return layout
