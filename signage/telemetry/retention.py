"""Telemetry retention in the system of record (§34.12 "controlled telemetry retention",
§29.5): heartbeat and event history is deleted one UTC hour at a time, and only the rows the
caller vouches are archived (the pipeline passes the ids its warehouse partition holds), so a
row that was never copied is never lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, any_, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from signage.db.models import DeviceEvent, DeviceHeartbeat

TelemetryModel = type[DeviceHeartbeat] | type[DeviceEvent]

HOUR = timedelta(hours=1)


def prunable_hours(oldest: datetime | None, cutoff: datetime) -> list[datetime]:
    """The UTC hours from the one holding `oldest` up to the last hour that ends at or before
    `cutoff`: whole hours only, so an hour is never half pruned."""
    if oldest is None:
        return []
    hour = oldest.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour + HOUR <= cutoff:
        hours.append(hour)
        hour += HOUR
    return hours


def oldest_received_at(session: Session, model: TelemetryModel) -> datetime | None:
    """The receive time of the oldest row still held (an index lookup)."""
    return session.scalar(select(func.min(model.received_at)))


def delete_archived_hour(
    session: Session, model: TelemetryModel, hour: datetime, archived_ids: Sequence[int]
) -> int:
    """Delete the rows of `model` received in `hour` whose id is in `archived_ids`; returns
    how many. The ids travel as one array parameter, however many there are."""
    if not archived_ids:
        return 0
    ids = bindparam("archived_ids", list(archived_ids), type_=ARRAY(BigInteger()))
    statement = delete(model).where(
        model.received_at >= hour, model.received_at < hour + HOUR, model.id == any_(ids)
    )
    result = session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def rows_in_hour(session: Session, model: TelemetryModel, hour: datetime) -> int:
    """Rows of `model` received in `hour` (after pruning: those not yet in the warehouse)."""
    counted = session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.received_at >= hour, model.received_at < hour + HOUR)
    )
    return int(counted or 0)
