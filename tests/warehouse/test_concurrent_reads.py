"""Readers never fail while a writer replaces partitions (DuckDB single-writer design)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

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
