"""Writing partitions: whole-file replacement through a temporary file and a rename."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from warehouse.layout import WarehouseLayout


def write_partition(
    layout: WarehouseLayout, table: str, hour: datetime, frame: pl.DataFrame
) -> int:
    """Replace the partition of `table` for `hour` with `frame`; returns the row count.
    Re-running an hour (a backfill) rewrites the same file, so loads are idempotent."""
    return replace_file(layout.partition_file(table, hour), frame)


def write_day_partition(
    layout: WarehouseLayout, table: str, day: datetime, frame: pl.DataFrame
) -> int:
    """Replace the partition of a daily `table` for `day`; returns the row count."""
    return replace_file(layout.day_partition_file(table, day), frame)


def merge_into_partition(
    layout: WarehouseLayout, table: str, hour: datetime, frame: pl.DataFrame, key: str = "id"
) -> int:
    """Write `frame` as the partition of `hour`, keeping rows of the existing partition whose
    `key` is absent from `frame`. Retention (§34.12) deletes Postgres rows once they are in the
    warehouse, so re-copying such an hour (a backfill) must not drop what only the warehouse
    still holds. Rows present in both come from `frame`; the result is sorted by `key`, so
    re-running the merge rewrites an identical partition."""
    target = layout.partition_file(table, hour)
    if target.exists():
        archived = pl.read_parquet(target)
        if archived.height:
            kept = archived.join(frame.select(key), on=key, how="anti")
            frame = pl.concat([frame, kept], how="diagonal_relaxed").sort(key)
    return replace_file(target, frame)


def partition_keys(
    layout: WarehouseLayout, table: str, hour: datetime, key: str = "id"
) -> list[int] | None:
    """The `key` values stored in the partition of `hour`, or None when it was never written."""
    target = layout.partition_file(table, hour)
    if not target.exists():
        return None
    column = pq.read_table(target, columns=[key]).column(key)
    return [int(value) for value in column.to_pylist()]


def replace_file(target: Path, frame: pl.DataFrame) -> int:
    """Write `frame` to `target` atomically (tmp file + rename); returns the row count."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".parquet.tmp")
    os.close(descriptor)
    try:
        pq.write_table(frame.to_arrow(), temporary, compression="zstd")
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return frame.height
