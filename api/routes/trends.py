"""Uptime and error trends of a venue over the warehouse rollups (issue 17 item 4). Any role at
the venue reads them (another tenant's venue is 404, §25.6). The warehouse is read from
snapshots of its files, so a rollup being rewritten never blocks or breaks the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import VenueReader, management_rate_limit
from api.deps import ContextDep, NowDep
from api.problems import raises
from api.schemas.trends import ErrorPointOut, ErrorTrendsOut, Granularity, UptimeOut, UptimePointOut
from signage.errors import ValidationFailedError
from warehouse.layout import WarehouseLayout
from warehouse.trends import error_trend, last_days, uptime_trend

router = APIRouter(tags=["operations"], dependencies=[Depends(management_rate_limit)])

DEFAULT_DAYS = 30
# Bounded work per request: a year of days, or a month of hours.
LONGEST = {"day": timedelta(days=366), "hour": timedelta(days=31)}


@dataclass(frozen=True)
class TrendWindow:
    start: datetime
    end: datetime
    grain: Granularity


@raises(ValidationFailedError)
def trend_window(
    now: NowDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    granularity: Granularity = "day",
) -> TrendWindow:
    """`from`/`to` (UTC when no offset is given); by default the last 30 days to today."""
    default_start, default_end = last_days(now, DEFAULT_DAYS)
    start, end = _utc(start) or default_start, _utc(end) or default_end
    if end <= start:
        raise _invalid("to", "must be after `from`")
    if end - start > LONGEST[granularity]:
        raise _invalid(
            "from", f"at most {LONGEST[granularity].days} days at {granularity} granularity"
        )
    return TrendWindow(start, end, granularity)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _invalid(name: str, message: str) -> ValidationFailedError:
    return ValidationFailedError(
        f"`{name}` {message}.",
        errors=[{"location": f"query.{name}", "message": message, "type": "invalid"}],
    )


WindowQuery = Annotated[TrendWindow, Depends(trend_window)]


@router.get("/v1/venues/{venueId}/uptime", summary="Uptime per period over the rollups")
def get_uptime(venue: VenueReader, window: WindowQuery, context: ContextDep) -> UptimeOut:
    layout = WarehouseLayout.from_settings(context.settings)
    points = uptime_trend(
        layout, str(venue.tenant_id), {str(venue.id)}, window.start, window.end, window.grain
    )
    return UptimeOut(
        venue_id=venue.id,
        granularity=window.grain,
        from_utc=window.start,
        to_utc=window.end,
        points=[
            UptimePointOut(
                period_start_utc=p.period_start,
                uptime_pct=p.uptime_pct,
                devices=p.devices,
                online_minutes=p.online_minutes,
            )
            for p in points
        ],
    )


@router.get("/v1/venues/{venueId}/error-trends", summary="Failures and error events per period")
def get_error_trends(
    venue: VenueReader, window: WindowQuery, context: ContextDep
) -> ErrorTrendsOut:
    layout = WarehouseLayout.from_settings(context.settings)
    points = error_trend(
        layout, str(venue.tenant_id), {str(venue.id)}, window.start, window.end, window.grain
    )
    return ErrorTrendsOut(
        venue_id=venue.id,
        granularity=window.grain,
        from_utc=window.start,
        to_utc=window.end,
        points=[
            ErrorPointOut(
                period_start_utc=p.period_start,
                failures=p.failures,
                playback_failures=p.playback_failures,
                download_failures=p.download_failures,
                manifest_fetch_failures=p.manifest_fetch_failures,
                error_events=p.error_events,
                warning_events=p.warning_events,
            )
            for p in points
        ],
    )
