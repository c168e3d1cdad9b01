"""Readers never fail while a writer replaces partitions (DuckDB single-writer design)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from tests.warehouse import fleet
from warehouse import queries, rollups
from warehouse.layout import WarehouseLayout, hour_start
from warehouse.queries import reader
from warehouse.store import write_partition

HOUR = datetime(2026, 6, 15, 9, tzinfo=UTC)


def frame(rows: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "device_id": [f"d{i % 7}" for i in range(rows)],
            "received_at": [HOUR] * rows,
            "state": ["PLAYING"] * rows,
            "tenant_id": ["t"] * rows,
        }
    )


def test_readers_see_whole_partitions_while_a_writer_rewrites_them(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    write_partition(layout, "heartbeats", HOUR, frame(1000))
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        sizes = (2000, 1000)
        try:
            for i in range(40):
                write_partition(layout, "heartbeats", HOUR, frame(sizes[i % 2]))
        except BaseException as exc:
            failures.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    seen: set[int] = set()
    while not stop.is_set():
        with reader(layout) as connection:
            result = connection.execute("SELECT count(*) FROM heartbeats").fetchone()
        assert result is not None
        seen.add(int(result[0]))
    thread.join()
    assert not failures
    assert seen <= {1000, 2000}, "a reader saw a half-written partition"


def test_hours_are_utc_and_naive_times_are_refused() -> None:
    local = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)
    assert hour_start(local) == datetime(2026, 6, 15, 10, tzinfo=UTC)
    try:
        hour_start(datetime(2026, 6, 15, 10, 30))
    except ValueError:
        return
    raise AssertionError("a naive datetime was accepted")


def test_rollup_queries_answer_while_the_rollups_are_rewritten(tmp_path: Path) -> None:
    """A notebook's named query during a backfill sees the old or the new hour, whole."""
    layout = WarehouseLayout(tmp_path)
    identities = fleet.synthetic_identities(30)
    outages = {3: [(10, 40)]}
    heartbeats = fleet.heartbeat_frame(identities, HOUR, 60, outages)
    fleet.write_into_warehouse(layout, heartbeats, fleet.event_frame(identities, HOUR, 60, {}))
    full = rollups.device_hourly(layout, HOUR)
    thinned = full.filter(pl.col("device_id") != identities[0].device_id)
    write_partition(layout, "device_hourly", HOUR, full)
    tenant = identities[0].tenant_id
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for i in range(30):
                write_partition(layout, "device_hourly", HOUR, (full, thinned)[i % 2])
        except BaseException as exc:
            failures.append(exc)
        finally:
            stop.set()

    def minutes_online(frame: pl.DataFrame) -> float:
        return float(frame.filter(pl.col("tenant_id") == tenant)["online_seconds"].sum() / 60)

    expected = {round(minutes_online(full), 6), round(minutes_online(thinned), 6)}
    thread = threading.Thread(target=writer)
    thread.start()
    seen: set[float] = set()
    while not stop.is_set():
        uptime = queries.venue_uptime(layout, tenant, HOUR, HOUR + timedelta(hours=1), "hour")
        seen.add(round(float(uptime["online_minutes"].sum()), 6))
    thread.join()
    assert not failures
    assert seen
    assert seen <= expected, "a reader saw a partial partition"
