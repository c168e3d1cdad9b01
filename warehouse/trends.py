"""Uptime and error trends of venues over the rollups (issue 17 item 4), one point per period
from `start` to `end` (empty periods included, with no value), for the API's trend endpoints and
the web app's charts. Reads snapshots through `warehouse.queries`, so writers are never blocked."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from warehouse.layout import WarehouseLayout, day_start, days_between, hour_start, hours_between
from warehouse.queries import Grain, failure_counts, venue_uptime

ERROR_FIGURES = (
    "playback_failures",
    "download_failures",
    "manifest_fetch_failures",
    "error_events",
    "warning_events",
)


@dataclass(frozen=True)
class UptimePoint:
    period_start: datetime
    uptime_pct: float | None  # None: no device of the venues reported in the period's rollup
    devices: int
    online_minutes: float


@dataclass(frozen=True)
class ErrorPoint:
    period_start: datetime
    playback_failures: int = 0
    download_failures: int = 0
    manifest_fetch_failures: int = 0
    error_events: int = 0
    warning_events: int = 0

    @property
    def failures(self) -> int:
        return self.playback_failures + self.download_failures + self.manifest_fetch_failures


def periods(start: datetime, end: datetime, grain: Grain) -> list[datetime]:
    if grain == "hour":
        return hours_between(hour_start(start), end)
    return days_between(day_start(start), end)


def uptime_trend(
    layout: WarehouseLayout,
    tenant_id: str,
    venue_ids: Collection[str],
    start: datetime,
    end: datetime,
    grain: Grain,
) -> list[UptimePoint]:
    """Uptime of the venues together: their online time over (devices x period length)."""
    frame = venue_uptime(layout, tenant_id, start, end, grain).filter(
        pl.col("venue_id").is_in(list(venue_ids))
    )
    seconds = 3600 if grain == "hour" else 86400
    by_period = {
        row["period_start"]: row
        for row in frame.group_by("period_start")
        .agg(pl.col("devices").sum(), pl.col("online_minutes").sum())
        .iter_rows(named=True)
    }
    points = []
    for period in periods(start, end, grain):
        row = by_period.get(period)
        if row is None or not row["devices"]:
            points.append(UptimePoint(period, None, 0, 0.0))
            continue
        pct = min(100.0, row["online_minutes"] * 60 * 100 / (row["devices"] * seconds))
        points.append(UptimePoint(period, round(pct, 2), row["devices"], row["online_minutes"]))
    return points


def error_trend(
    layout: WarehouseLayout,
    tenant_id: str,
    venue_ids: Collection[str],
    start: datetime,
    end: datetime,
    grain: Grain,
) -> list[ErrorPoint]:
    frame = failure_counts(layout, tenant_id, start, end, grain).filter(
        pl.col("venue_id").is_in(list(venue_ids))
    )
    summed = frame.group_by("period_start").agg(pl.col(name).sum() for name in ERROR_FIGURES)
    by_period = {row.pop("period_start"): row for row in summed.iter_rows(named=True)}
    return [
        ErrorPoint(period, **{k: int(v or 0) for k, v in by_period.get(period, {}).items()})
        for period in periods(start, end, grain)
    ]


def last_days(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The `days` UTC days up to and including today."""
    end = day_start(now) + timedelta(days=1)
    return end - timedelta(days=days), end
