"""Telemetry retention (§34.12): heartbeat and event history leaves Postgres a whole day
partition at a time, once the day is past retention and the warehouse holds every row of it.
The service the Dagster job (pipelines.retention.telemetry_retention) only calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from signage.db.engine import Database
from signage.telemetry import partitions
from signage.telemetry import retention as telemetry_history
from warehouse.layout import WarehouseLayout
from warehouse.store import partition_keys


@dataclass(frozen=True)
class TelemetryPruning:
    """What one pass of telemetry retention did to one table."""

    dropped: int = 0  # rows, in the dropped days
    days_dropped: tuple[date, ...] = ()
    # days past the cutoff kept whole because the warehouse lacks some of their rows:
    days_kept: tuple[date, ...] = ()
    # ... hours of them whose warehouse partition was never written,
    hours_not_in_warehouse: tuple[datetime, ...] = ()
    # ... and rows missing from hours that were written (they arrived after the copy)
    rows_not_in_warehouse: int = 0
    # complete days whose drop gave up waiting for the table's lock: the next run drops them
    days_busy: tuple[date, ...] = ()


@dataclass(frozen=True)
class _DayCheck:
    rows: int
    hours_missing: tuple[datetime, ...]
    rows_missing: int

    @property
    def complete(self) -> bool:
        return not self.hours_missing and not self.rows_missing


TELEMETRY_TABLES = (("heartbeats", "device_heartbeats"), ("events", "device_events"))


def prune_warehoused_telemetry(
    database: Database,
    layout: WarehouseLayout,
    cutoff: datetime,
    lock_timeout: str = partitions.DROP_LOCK_TIMEOUT,
) -> dict[str, TelemetryPruning]:
    """Drop the day partitions of heartbeats and events that end before `cutoff` and whose
    every row the warehouse holds (§34.12); a day it does not hold completely is kept whole.
    A drop waits at most `lock_timeout` for the table. Running it again drops nothing more,
    so it is idempotent."""
    return {
        name: _prune_table(database, layout, name, table, cutoff, lock_timeout)
        for name, table in TELEMETRY_TABLES
    }


def _prune_table(
    database: Database,
    layout: WarehouseLayout,
    name: str,
    table: str,
    cutoff: datetime,
    lock_timeout: str,
) -> TelemetryPruning:
    with database.sessions() as session:
        days = telemetry_history.droppable_days(partitions.days_held(session, table), cutoff)
    dropped: list[date] = []
    kept: list[date] = []
    hours_missing: list[datetime] = []
    busy: list[date] = []
    rows_missing = 0
    rows_dropped = 0
    for day in days:
        try:
            check = _drop_if_complete(database, layout, name, table, day, lock_timeout)
        except OperationalError as error:
            if not partitions.lock_timed_out(error):
                raise
            busy.append(day)
            continue
        if check.complete:
            dropped.append(day)
            rows_dropped += check.rows
        else:
            kept.append(day)
            hours_missing += check.hours_missing
            rows_missing += check.rows_missing
    return TelemetryPruning(
        rows_dropped, tuple(dropped), tuple(kept), tuple(hours_missing), rows_missing, tuple(busy)
    )


def _drop_if_complete(
    database: Database, layout: WarehouseLayout, name: str, table: str, day: date, lock_timeout: str
) -> _DayCheck:
    """The check and the drop in one transaction; nothing writes a past day meanwhile
    (receive time is the server's now, and the partition job only fills days it creates)."""
    with database.unit_of_work() as session:
        check = _check_day(session, layout, name, table, day)
        if check.complete:
            partitions.drop_day(session, table, day, lock_timeout)
    return check


def _check_day(
    session: Session, layout: WarehouseLayout, name: str, table: str, day: date
) -> _DayCheck:
    """Compare each hour of the day's partition with the hour's warehouse partition by id."""
    rows, rows_missing, hours_missing = 0, 0, []
    for hour in telemetry_history.hours_of(day):
        held = telemetry_history.ids_received_in_hour(session, table, day, hour)
        if not held:
            continue
        rows += len(held)
        archived = partition_keys(layout, name, hour)
        if archived is None:
            hours_missing.append(hour)
        else:
            rows_missing += len(set(held).difference(archived))
    return _DayCheck(rows, tuple(hours_missing), rows_missing)
